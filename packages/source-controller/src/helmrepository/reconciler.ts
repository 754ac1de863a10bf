import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionType, type HelmRepository, HelmRepositoryKind, Reason, SourceApiVersion } from '@weft/api';
import { buildArtifact } from '@weft/artifact';
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
import { HelmReason, helmFailure } from '../helm/reasons.ts';
import {
  artifactRef,
  asConditioned,
  reconcileStorage,
  type SourceObject,
  type StorageSource,
  storageOf,
  storeArtifact,
} from '../source/artifact-steps.ts';
import { SourceFetch } from '../source/fetch-step.ts';
import { helmRepositoryFields } from './fields.ts';

export type HelmRepositoryObject = HelmRepository & KubeObject;

export interface HelmRepositoryReconcilerOptions {
  /** Reads Secrets. */
  client: Pick<Client, 'get'>;
  storage: StorageSource;
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
  /** Its one side effect, the artifact, is stored through storeArtifact, which awaits the finalizer. */
  readonly awaitsFinalizer = true;
  readonly negativePolarity = [ConditionType.StorageOperationFailed, ConditionType.FetchFailed];
  readonly #options: HelmRepositoryReconcilerOptions;

  constructor(options: HelmRepositoryReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(obj: HelmRepositoryObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    const status = obj.status;
    const _cond = asConditioned(obj);
    if (obj.spec.type === 'oci') return this.reconcileOci(obj, ctx);
    if (!/^https?:\/\//.test(obj.spec.url))
      throw new StalledError(
        Reason.InvalidURL,
        `spec.url '${obj.spec.url}' must be http(s):// for type default`,
      );
    const storage = storageOf(this.#options.storage);
    const ref = artifactRef(HelmRepositoryKind, obj);
    await reconcileStorage(obj as SourceObject, storage, ref, ctx);
    const fetch = new SourceFetch(obj as SourceObject, obj.spec.timeout, ctx);
    const index = await fetch.step(helmFailure(HelmReason.IndexationFailed), async () => {
      const bytes = await httpGet(indexUrl(obj.spec.url), {
        ...(await repositoryTransport(this.#options.client, obj)),
        what: 'repository index',
        timeoutMs: obj.spec.timeout === undefined ? 60_000 : parseDuration(obj.spec.timeout),
        maxBytes: this.#options.maxIndexBytes ?? defaultMaxIndexBytes,
        signal: fetch.signal,
      });
      parseIndex(bytes.toString('utf8'));
      return bytes;
    });

    const revision = `sha256:${createHash('sha256').update(index).digest('hex')}`;
    if (status.artifact?.revision !== revision) {
      const dir = await mkdtemp(join(tmpdir(), 'weft-helmrepository-'));
      try {
        await mkdir(join(dir, 'content'));
        await writeFile(join(dir, 'content', 'index.yaml'), index);
        const built = await buildArtifact({ dir: join(dir, 'content'), out: join(dir, 'index.tar.gz') });
        await storeArtifact(obj as SourceObject, {
          storage,
          ref,
          tarball: built.path,
          digest: built.digest,
          revision,
          gc: this.#options.gc,
          ctx,
          event: {
            reason: HelmReason.NewArtifact,
            note: `stored fetched index of size ${index.length} bytes from '${obj.spec.url}'`,
          },
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
    await storageOf(this.#options.storage).removeAll(artifactRef(HelmRepositoryKind, obj));
    return {
      ready: {
        reason: Reason.Succeeded,
        message: 'Helm repository is ready (OCI: charts are pulled by HelmChart)',
      },
    };
  }

  async finalize(obj: HelmRepositoryObject): Promise<void> {
    await storageOf(this.#options.storage).removeAll(artifactRef(HelmRepositoryKind, obj));
  }
}
