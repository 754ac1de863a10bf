import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionType, type HelmRepository, HelmRepositoryKind, Reason, SourceApiVersion } from '@weft/api';
import type { Client, KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import {
  parseDuration,
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from '@weft/runtime/reconcile';
import { repositoryTransport } from '../helm/auth.ts';
import { HelmError } from '../helm/errors.ts';
import { httpGet } from '../helm/http.ts';
import { indexUrl, parseIndex } from '../helm/index-file.ts';
import { fetchReason, HelmReason } from '../helm/reasons.ts';
import {
  artifactRefOf,
  asConditioned,
  reconcileStoredArtifact,
  resolveStorage,
  type StorageRef,
  storeDirectory,
} from '../storage-step.ts';
import { helmRepositoryFields } from './fields.ts';

export type HelmRepositoryObject = HelmRepository & KubeObject;

export interface HelmRepositoryReconcilerOptions {
  /** Reads Secrets. */
  client: Pick<Client, 'get'>;
  storage: StorageRef;
  gc?: { keep?: number; ttlMs?: number };
  /** Largest index accepted (Flux's default: 50 MiB). */
  maxIndexBytes?: number;
}

export const defaultMaxIndexBytes = 50 * 1024 * 1024;

/**
 * HelmRepository. `type: default`: fetch `index.yaml` (credentials, TLS, timeout), check it is a
 * Helm index, and publish it as the artifact (`index.yaml` in the tarball) whose revision is the
 * sha256 of the index bytes, so consumers see a new revision exactly when the index changed.
 * `type: oci`: there is no index; the credentials are checked and charts are pulled by HelmChart.
 */
export class HelmRepositoryReconciler implements Reconciler<HelmRepositoryObject> {
  readonly apiVersion = SourceApiVersion;
  readonly kind = HelmRepositoryKind;
  readonly conditions = [
    ConditionType.StorageOperationFailed,
    ConditionType.FetchFailed,
    ConditionType.ArtifactInStorage,
  ] as const;
  readonly fields = helmRepositoryFields;
  readonly negativePolarity = [ConditionType.StorageOperationFailed, ConditionType.FetchFailed];
  readonly #options: HelmRepositoryReconcilerOptions;

  constructor(options: HelmRepositoryReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(obj: HelmRepositoryObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    const status = obj.status;
    const cond = asConditioned(obj);
    if (obj.spec.type === 'oci') return this.reconcileOci(obj, ctx);
    if (!/^https?:\/\//.test(obj.spec.url))
      throw new StalledError(
        Reason.InvalidURL,
        `spec.url '${obj.spec.url}' must be http(s):// for type default`,
      );
    await reconcileStoredArtifact(resolveStorage(this.#options.storage), obj, status, ctx.now);

    let index: Buffer;
    try {
      const transport = await repositoryTransport(this.#options.client, obj);
      index = await httpGet(indexUrl(obj.spec.url), {
        ...transport,
        what: 'repository index',
        timeoutMs: obj.spec.timeout === undefined ? 60_000 : parseDuration(obj.spec.timeout),
        maxBytes: this.#options.maxIndexBytes ?? defaultMaxIndexBytes,
        signal: ctx.signal,
      });
      parseIndex(index.toString('utf8'));
      conditions.removeCondition(cond, ConditionType.FetchFailed);
    } catch (error) {
      if (!(error instanceof HelmError)) throw error;
      const reason = fetchReason(error, HelmReason.IndexationFailed);
      conditions.markTrue(cond, ConditionType.FetchFailed, reason, error.message, ctx.now);
      if (error.code === 'InvalidUrl') throw new StalledError(reason, error.message);
      throw new ReconcileError(reason, `failed to fetch Helm repository index: ${error.message}`, {
        cause: error,
      });
    }

    const revision = `sha256:${createHash('sha256').update(index).digest('hex')}`;
    if (status.artifact?.revision !== revision) {
      const dir = await mkdtemp(join(tmpdir(), 'weft-helmrepository-'));
      try {
        await writeFile(join(dir, 'index.yaml'), index);
        const changed = await storeDirectory({
          storage: resolveStorage(this.#options.storage),
          obj,
          status,
          dir,
          revision,
          gc: this.#options.gc,
          now: ctx.now,
        });
        if (changed)
          await ctx.events.record(obj, {
            type: 'Normal',
            reason: HelmReason.NewArtifact,
            note: `stored fetched index of size ${index.length} bytes from '${obj.spec.url}'`,
            revision,
          });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    return { ready: { reason: Reason.Succeeded, message: `stored artifact: revision '${revision}'` } };
  }

  /** OCI repositories carry no artifact: only the URL and the credentials are checked. */
  async reconcileOci(obj: HelmRepositoryObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    const cond = asConditioned(obj);
    if (!obj.spec.url.startsWith('oci://'))
      throw new StalledError(
        Reason.InvalidURL,
        `spec.url '${obj.spec.url}' must start with oci:// for type oci`,
      );
    try {
      await repositoryTransport(this.#options.client, obj);
    } catch (error) {
      if (!(error instanceof HelmError)) throw error;
      conditions.markTrue(
        cond,
        ConditionType.FetchFailed,
        Reason.AuthenticationFailed,
        error.message,
        ctx.now,
      );
      throw new ReconcileError(Reason.AuthenticationFailed, error.message, { cause: error });
    }
    conditions.removeCondition(cond, ConditionType.FetchFailed);
    conditions.removeCondition(cond, ConditionType.ArtifactInStorage);
    if (obj.status) delete obj.status.artifact;
    await resolveStorage(this.#options.storage).removeAll(artifactRefOf(obj));
    return {
      ready: {
        reason: Reason.Succeeded,
        message: 'Helm repository is ready (OCI: charts are pulled by HelmChart)',
      },
    };
  }

  async finalize(obj: HelmRepositoryObject): Promise<void> {
    await resolveStorage(this.#options.storage).removeAll(artifactRefOf(obj));
  }
}
