import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Bucket, BucketKind, ConditionType, Reason, SourceApiVersion } from '@weft/api';
import { buildArtifact, defaultLimits } from '@weft/artifact';
import type { Client, KubeObject } from '@weft/runtime/client';
import {
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from '@weft/runtime/reconcile';
import { IgnoreRules, sourceIgnoreFile } from '../ignore/rules.ts';
import {
  artifactRef,
  reconcileStorage,
  type SourceObject,
  type StorageSource,
  storageOf,
  storeArtifact,
  storedMessage,
} from '../source/artifact-steps.ts';
import { SourceFetch } from '../source/fetch-step.ts';
import { proxyFor } from '../source/registry.ts';
import { readSecretData, SecretError } from '../source/secret.ts';
import { bucketFields } from './fields.ts';
import { listRevision, selectObjects } from './objects.ts';
import { S3Client, type S3Credentials, S3Error } from './s3.ts';
import type { ListedObject } from './xml.ts';

type BucketObject = Bucket & KubeObject;

/** Flux's Bucket reasons, beside the shared ones. */
export const BucketReason = {
  OperationFailed: 'BucketOperationFailed',
  UnsupportedField: 'UnsupportedField',
} as const;

export interface BucketReconcilerOptions {
  client: Pick<Client, 'get'>;
  /** The artifact storage; a function when it exists only once the artifact server is bound. */
  storage: StorageSource;
  gc?: { keep?: number; ttlMs?: number };
  /** Most objects and largest total size downloaded (default 100,000 and 1 GiB). */
  limits?: { maxFiles?: number; maxSize?: number };
  /** Objects downloaded at once (default 4). */
  concurrency?: number;
}

const maxSourceIgnoreSize = 1024 * 1024;

const ownedConditions = [
  ConditionType.StorageOperationFailed,
  ConditionType.FetchFailed,
  ConditionType.ArtifactInStorage,
] as const;

/**
 * Bucket (provider generic: any S3-compatible server), in Flux's steps: reconcileStorage,
 * reconcileSource (list the objects under the prefix; the revision is the digest of the
 * non-ignored keys and ETags, so an unchanged bucket costs one list) and reconcileArtifact
 * (download those objects, size-capped, and pack them).
 */
export class BucketReconciler implements Reconciler<BucketObject> {
  readonly apiVersion = SourceApiVersion;
  readonly kind = BucketKind;
  readonly conditions = ownedConditions;
  readonly fields = bucketFields;
  /** Its one side effect, the artifact, is stored through storeArtifact, which awaits the finalizer. */
  readonly awaitsFinalizer = true;
  readonly negativePolarity = [ConditionType.StorageOperationFailed, ConditionType.FetchFailed];
  readonly #options: BucketReconcilerOptions;
  /** `<uid>/<key>/<etag>` → the text of that Bucket's `.sourceignore` object. */
  readonly #sourceIgnores = new Map<string, string>();

  constructor(options: BucketReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(obj: BucketObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    checkSpec(obj);
    const ref = artifactRef(BucketKind, obj);
    await reconcileStorage(obj as SourceObject, storageOf(this.#options.storage), ref, ctx);
    const fetch = new SourceFetch(obj as SourceObject, obj.spec.timeout, ctx);
    const s3 = await fetch.step(classify, () => this.#s3Client(obj, fetch.signal));
    try {
      const maxFiles = this.#options.limits?.maxFiles ?? defaultLimits.maxFiles;
      const objects = await fetch.step(classify, async () => {
        const listed = await s3.listObjects(obj.spec.bucketName, obj.spec.prefix, maxFiles);
        return selectObjects(listed, await this.#ignoreRules(obj, s3, listed));
      });
      const revision = listRevision(objects);
      const status = obj.status;
      if (status.artifact?.revision === revision && status.observedIgnore === obj.spec.ignore) {
        ctx.log.debug({ revision }, 'object list unchanged: no download');
        return { ready: { reason: Reason.Succeeded, message: storedMessage(revision) } };
      }
      await this.reconcileArtifact(obj, s3, objects, revision, fetch, ctx);
      return { ready: { reason: Reason.Succeeded, message: storedMessage(revision) } };
    } finally {
      s3.close();
    }
  }

  async finalize(obj: BucketObject): Promise<void> {
    this.#forget(obj.metadata.uid ?? '');
    await storageOf(this.#options.storage).removeAll(artifactRef(BucketKind, obj));
  }

  /** Downloads the selected objects into a temp tree and stores its tarball. */
  async reconcileArtifact(
    obj: BucketObject,
    s3: S3Client,
    objects: readonly ListedObject[],
    revision: string,
    fetch: SourceFetch,
    ctx: ReconcileContext,
  ): Promise<void> {
    const work = await mkdtemp(join(tmpdir(), 'weft-bucket-'));
    try {
      const dir = join(work, 'content');
      await mkdir(dir);
      await fetch.step(classify, () => this.#download(obj, s3, objects, dir));
      const built = await buildArtifact({ dir, out: join(work, 'artifact.tar.gz') });
      await storeArtifact(obj as SourceObject, {
        storage: storageOf(this.#options.storage),
        ref: artifactRef(BucketKind, obj),
        tarball: built.path,
        digest: built.digest,
        revision,
        gc: this.#options.gc,
        ctx,
        origin: `s3://${obj.spec.bucketName}/${obj.spec.prefix ?? ''}`,
      });
      const status = obj.status ?? {};
      if (obj.spec.ignore === undefined) delete status.observedIgnore;
      else status.observedIgnore = obj.spec.ignore;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * `spec.ignore` (or the defaults) plus every listed `.sourceignore` object, each relative to its
   * "directory", as in a Git source. Their text is kept per key and ETag, so an unchanged bucket
   * still costs one list and no GET.
   */
  async #ignoreRules(obj: BucketObject, s3: S3Client, listed: readonly ListedObject[]): Promise<IgnoreRules> {
    const rules = new IgnoreRules(obj.spec.ignore);
    const uid = obj.metadata.uid ?? '';
    const found = listed
      .filter((object) => object.key === sourceIgnoreFile || object.key.endsWith(`/${sourceIgnoreFile}`))
      .sort((a, b) => a.key.length - b.key.length);
    const kept = new Map<string, string>();
    for (const object of found) {
      const cacheKey = `${uid}/${object.key}/${object.etag}`;
      let text = this.#sourceIgnores.get(cacheKey);
      if (text === undefined) {
        const work = await mkdtemp(join(tmpdir(), 'weft-bucket-ignore-'));
        try {
          const path = join(work, sourceIgnoreFile);
          await s3.getObject(obj.spec.bucketName, object.key, path, maxSourceIgnoreSize);
          text = await readFile(path, 'utf8');
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      }
      kept.set(cacheKey, text);
      rules.addSourceIgnore(text, object.key.slice(0, -sourceIgnoreFile.length).replace(/\/$/, ''));
    }
    this.#forget(uid);
    for (const [key, text] of kept) this.#sourceIgnores.set(key, text);
    return rules;
  }

  #forget(uid: string): void {
    for (const key of this.#sourceIgnores.keys())
      if (key.startsWith(`${uid}/`)) this.#sourceIgnores.delete(key);
  }

  async #download(
    obj: BucketObject,
    s3: S3Client,
    objects: readonly ListedObject[],
    dir: string,
  ): Promise<void> {
    let budget = this.#options.limits?.maxSize ?? defaultLimits.maxSize;
    const declared = objects.reduce((total, object) => total + object.size, 0);
    if (declared > budget)
      throw new S3Error(
        'TooLarge',
        `the objects to fetch total ${declared} bytes, more than the ${budget} allowed`,
      );
    const queue = [...objects];
    const worker = async () => {
      for (let object = queue.shift(); object; object = queue.shift()) {
        const path = join(dir, ...object.key.split('/'));
        await mkdir(dirname(path), { recursive: true });
        budget -= await s3.getObject(obj.spec.bucketName, object.key, path, budget);
      }
    };
    await Promise.all(Array.from({ length: this.#options.concurrency ?? 4 }, worker));
  }

  async #s3Client(obj: BucketObject, signal: AbortSignal): Promise<S3Client> {
    const namespace = obj.metadata.namespace ?? '';
    let credentials: S3Credentials | undefined;
    if (obj.spec.secretRef) {
      const { data } = await readSecretData(
        this.#options.client,
        namespace,
        obj.spec.secretRef.name,
        'spec.secretRef',
      );
      if (!data.accesskey || !data.secretkey)
        throw new SecretError(
          `secret ${namespace}/${obj.spec.secretRef.name} (spec.secretRef) must hold accesskey and secretkey`,
        );
      credentials = { accessKeyId: data.accesskey, secretAccessKey: data.secretkey };
    }
    let tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined;
    if (obj.spec.certSecretRef) {
      const { binary } = await readSecretData(
        this.#options.client,
        namespace,
        obj.spec.certSecretRef.name,
        'spec.certSecretRef',
      );
      tls = {
        ...(binary['ca.crt'] ? { ca: binary['ca.crt'] } : {}),
        ...(binary['tls.crt'] ? { cert: binary['tls.crt'] } : {}),
        ...(binary['tls.key'] ? { key: binary['tls.key'] } : {}),
      };
    }
    return new S3Client({
      endpoint: obj.spec.endpoint,
      insecure: obj.spec.insecure === true,
      region: obj.spec.region,
      credentials,
      tls,
      proxy: await proxyFor(this.#options.client, namespace, obj.spec.proxySecretRef),
      signal,
    });
  }
}

/** Flux's reason for a failed exchange with the bucket. */
function classify(error: unknown): { reason: string } {
  return {
    reason:
      error instanceof SecretError || (error instanceof S3Error && error.code === 'AccessDenied')
        ? Reason.AuthenticationFailed
        : BucketReason.OperationFailed,
  };
}

/** Refuses an endpoint with a scheme or path (fields weft does not implement are refused before, by `fields`). */
function checkSpec(obj: BucketObject): void {
  const spec = obj.spec;
  if (/^[a-z]+:\/\//i.test(spec.endpoint) || spec.endpoint.includes('/'))
    throw new StalledError(
      Reason.InvalidURL,
      `spec.endpoint "${spec.endpoint}" must be host[:port], without scheme or path`,
    );
}
