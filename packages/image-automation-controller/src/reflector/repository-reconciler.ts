/**
 * ImageRepository, in Flux's steps: parse the image, decide whether a scan is due (a restarted
 * controller finds the stored list and waits for the interval), list every tag through
 * @weft/oci (pagination, token auth, TLS), drop the excluded ones, store the list and write
 * `status.lastScanResult`.
 */
import {
  Annotation,
  ImageApiVersion,
  ImageRepositoryKind,
  type ImageRepositoryStatus,
  Reason,
} from '@weft/api';
import { type ImageName, OciError, parseImageName } from '@weft/oci';
import type { Client } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import {
  parseDuration,
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from '@weft/runtime/reconcile';
import { imageRepositoryFields } from './fields.ts';
import { ImageReason } from './reasons.ts';
import type { Pattern } from './regexp.ts';
import { type ImageRepositoryObject, withRegistry } from './registry.ts';
import { compileExclusionList, excludeTags, exclusionListOf, latestTags, scanDecision } from './scan.ts';
import type { FileTagStore } from './tag-store.ts';

export interface ImageRepositoryReconcilerOptions {
  /** Reads Secrets and ServiceAccounts. */
  client: Pick<Client, 'get'>;
  store: FileTagStore;
  /** Most pages of a tag list followed (default 1,000). */
  maxTagPages?: number;
}

export const repositoryKey = (namespace: string | undefined, name: string | undefined) =>
  `${namespace ?? ''}/${name ?? ''}`;

/** `spec.image` parsed; an invalid one stalls the object. */
export function imageOf(obj: ImageRepositoryObject): ImageName {
  try {
    return parseImageName(obj.spec.image);
  } catch (error) {
    throw new StalledError(ImageReason.ImageURLInvalid, `spec.image: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

function readyMessage(status: ImageRepositoryStatus): string {
  const last = status.lastScanResult;
  return `successful scan: found ${last?.tagCount ?? 0} tags with checksum ${last?.revision ?? ''}`;
}

export class ImageRepositoryReconciler implements Reconciler<ImageRepositoryObject> {
  readonly apiVersion = ImageApiVersion;
  readonly kind = ImageRepositoryKind;
  readonly fields = imageRepositoryFields;
  readonly #options: ImageRepositoryReconcilerOptions;

  constructor(options: ImageRepositoryReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(obj: ImageRepositoryObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    const status: ImageRepositoryStatus = obj.status;
    const image = imageOf(obj);
    const exclusionList = exclusionListOf(obj.spec);
    const exclusions = compileExclusionList(exclusionList);
    const intervalMs = parseDuration(obj.spec.interval);
    const key = repositoryKey(obj.metadata.namespace, obj.metadata.name);
    const decision = scanDecision({
      status,
      requestedAt: obj.metadata.annotations?.[Annotation.ReconcileRequestedAt],
      canonicalImageName: image.canonicalName,
      exclusionList,
      // A repository never scanned needs no stored list (and has none: no file to look for).
      stored: status.lastScanResult?.scanTime ? await this.#options.store.get(key) : undefined,
      intervalMs,
      now: ctx.now(),
    });
    if (!decision.scan) {
      ctx.log.debug({ dueInMs: decision.dueInMs }, 'scan not due');
      return {
        ready: { reason: ImageReason.Succeeded, message: readyMessage(status) },
        requeueAfter: decision.dueInMs,
      };
    }
    ctx.log.debug({ reason: decision.reason }, 'scanning');
    const previousRevision = status.lastScanResult?.revision;
    await this.#scan(obj, image, key, exclusions, ctx);
    status.canonicalImageName = image.canonicalName;
    status.observedExclusionList = exclusionList;
    const message = readyMessage(status);
    if (status.lastScanResult?.revision !== previousRevision)
      await ctx.events.record(obj, {
        type: 'Normal',
        reason: ImageReason.Succeeded,
        note: message,
        ...(status.lastScanResult?.revision ? { revision: status.lastScanResult.revision } : {}),
      });
    return { ready: { reason: ImageReason.Succeeded, message }, requeueAfter: intervalMs };
  }

  /** Lists the tags, drops the excluded ones, stores the list and writes `lastScanResult`. */
  async #scan(
    obj: ImageRepositoryObject,
    image: ImageName,
    key: string,
    exclusions: readonly Pattern[],
    ctx: ReconcileContext,
  ): Promise<void> {
    const tags = excludeTags(await this.#listTags(obj, image, ctx), exclusions);
    const stored = await this.#options.store
      .set(key, { canonicalImageName: image.canonicalName, scanTime: ctx.now().toISOString(), tags })
      .catch((error: unknown) => {
        throw new ReconcileError(
          Reason.StorageOperationFailed,
          `cannot store the tag list (--storage-path): ${errorMessage(error)}`,
          { cause: error },
        );
      });
    const latest = latestTags(stored.tags);
    obj.status ??= {};
    obj.status.lastScanResult = {
      revision: stored.revision,
      tagCount: stored.tags.length,
      // Seconds, as metav1.Time.
      scanTime: `${stored.scanTime.slice(0, 19)}Z`,
      ...(latest.length > 0 ? { latestTags: latest } : {}),
    };
  }

  async finalize(obj: ImageRepositoryObject): Promise<void> {
    await this.#options.store.delete(repositoryKey(obj.metadata.namespace, obj.metadata.name));
  }

  async #listTags(obj: ImageRepositoryObject, image: ImageName, ctx: ReconcileContext): Promise<string[]> {
    // Flux's timeout: spec.timeout, else the interval, and at least a second.
    const timeoutMs = Math.max(1000, parseDuration(obj.spec.timeout ?? obj.spec.interval));
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
    // Credentials and TLS that cannot be read fail before the listing, as AuthenticationFailed.
    return withRegistry(this.#options.client, obj, image, signal, async (registry) => {
      try {
        return await registry.listTags(image.repository, { maxPages: this.#options.maxTagPages ?? 1000 });
      } catch (error) {
        if (error instanceof OciError && error.code === 'Unauthorized')
          throw new ReconcileError(ImageReason.AuthenticationFailed, `scan failed: ${error.message}`, {
            cause: error,
          });
        const why =
          signal.aborted && !ctx.signal.aborted ? `timed out after ${timeoutMs}ms` : errorMessage(error);
        throw new ReconcileError(ImageReason.ReadOperationFailed, `scan failed: ${why}`, { cause: error });
      }
    });
  }
}
