import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionType,
  type OCIRepository,
  OCIRepositoryKind,
  type OCIRepositoryStatus,
  Reason,
  SourceApiVersion,
} from '@weft/api';
import { buildArtifact, defaultLimits, extractArchive } from '@weft/artifact';
import {
  type Descriptor,
  type FetchedManifest,
  isValidDigest,
  OciError,
  type OciReference,
  parseReference,
  type RegistryClient,
  selectLayer,
} from '@weft/oci';
import type { Client, KubeObject } from '@weft/runtime/client';
import {
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from '@weft/runtime/reconcile';
import { ignoreRulesForTree } from '../ignore/tree.ts';
import {
  artifactRef,
  linkArtifact,
  reconcileStorage,
  type SourceObject,
  type StorageSource,
  storageOf,
  storeArtifact,
  storedMessage,
} from '../source/artifact-steps.ts';
import { SourceFetch } from '../source/fetch-step.ts';
import { registryClientFor } from '../source/registry.ts';
import { SecretError } from '../source/secret.ts';
import { reconcileSignature, verifiedFor } from '../source/verify-step.ts';
import { ociRepositoryFields } from './fields.ts';
import { LayerCache } from './layer-cache.ts';
import { InvalidRefError, selectSemverTag } from './tag.ts';

type OCIRepositoryObject = OCIRepository & KubeObject;

/** Flux's OCIRepository reasons, beside the shared ones. */
export const OCIReason = {
  PullFailed: 'OCIArtifactPullFailed',
  LayerOperationFailed: 'OCIArtifactLayerOperationFailed',
  VerificationError: 'VerificationError',
  UnsupportedField: 'UnsupportedField',
} as const;

export interface OCIRepositoryReconcilerOptions {
  /** Reads Secrets and ServiceAccounts. */
  client: Pick<Client, 'get'>;
  /** The artifact storage; a function when it exists only once the artifact server is bound. */
  storage: StorageSource;
  gc?: { keep?: number; ttlMs?: number };
  /** Largest layer downloaded and largest extracted content (default 1 GiB), most files (100,000). */
  limits?: { maxSize?: number; maxFiles?: number };
  /** Manifests and artifacts built from layers kept for other objects of the same artifact (default 16 each; 0: none). */
  layerCacheEntries?: number;
}

/** What the registry says the spec's ref points at. */
interface ResolvedSource {
  /** The tag, or undefined for a digest ref. */
  tag: string | undefined;
  digest: string;
  /** `<tag>@sha256:<hex>`, or the digest alone for a digest ref. */
  revision: string;
}

const ownedConditions = [
  ConditionType.StorageOperationFailed,
  ConditionType.FetchFailed,
  ConditionType.SourceVerified,
  ConditionType.ArtifactInStorage,
] as const;

/**
 * OCIRepository, in Flux's steps: reconcileStorage, reconcileSource (which digest does the ref
 * name: one manifest HEAD, plus a tag list for semver), reconcileVerify (cosign) and
 * reconcileArtifact (download the selected layer, digest-checked; extract and repack it with the
 * ignore rules, or copy it as is). An unchanged digest stops after the HEAD; objects of an
 * artifact another object fetched already share its manifest and built artifact (LayerCache).
 */
export class OCIRepositoryReconciler implements Reconciler<OCIRepositoryObject> {
  readonly apiVersion = SourceApiVersion;
  readonly kind = OCIRepositoryKind;
  readonly conditions = ownedConditions;
  readonly fields = ociRepositoryFields;
  /** Its one side effect, the artifact, is stored through storeArtifact, which awaits the finalizer. */
  readonly awaitsFinalizer = true;
  readonly negativePolarity = [ConditionType.StorageOperationFailed, ConditionType.FetchFailed];
  readonly #options: OCIRepositoryReconcilerOptions;
  readonly #cache: LayerCache;

  constructor(options: OCIRepositoryReconcilerOptions) {
    this.#options = options;
    this.#cache = new LayerCache(options.layerCacheEntries ?? 16);
  }

  async reconcile(obj: OCIRepositoryObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    const url = checkSpec(obj);
    const ref = artifactRef(OCIRepositoryKind, obj);
    await reconcileStorage(obj as SourceObject, storageOf(this.#options.storage), ref, ctx);
    const fetch = new SourceFetch(obj as SourceObject, obj.spec.timeout, ctx);
    const registry = await fetch.step(classify, () =>
      registryClientFor(
        this.#options.client,
        { ...obj.spec, namespace: obj.metadata.namespace ?? '' },
        url,
        fetch.signal,
      ),
    );
    try {
      const source = await fetch.step(classify, () => resolveSource(registry, obj, url));
      const status = obj.status;
      if (this.#upToDate(obj, source)) {
        ctx.log.debug({ revision: source.revision }, 'digest unchanged: no download');
        return { ready: { reason: Reason.Succeeded, message: storedMessage(source.revision) } };
      }
      const manifest = await fetch.step(classify, () => this.#manifest(registry, url, source.digest));
      await this.reconcileVerify(obj, registry, url, source, ctx);
      await this.reconcileArtifact(obj, registry, url, source, manifest, fetch, ctx);
      return {
        ready: {
          reason: Reason.Succeeded,
          message: storedMessage(status.artifact?.revision ?? source.revision),
        },
      };
    } finally {
      registry.close();
    }
  }

  async finalize(obj: OCIRepositoryObject): Promise<void> {
    await storageOf(this.#options.storage).removeAll(artifactRef(OCIRepositoryKind, obj));
  }

  /** Cosign verification of the manifest digest when `spec.verify` is set; SourceVerified says how it went. */
  async reconcileVerify(
    obj: OCIRepositoryObject,
    registry: RegistryClient,
    url: OciReference,
    source: ResolvedSource,
    ctx: ReconcileContext,
  ): Promise<void> {
    await reconcileSignature(
      obj,
      obj.spec.verify,
      { client: this.#options.client, registry, repository: url.repository, digest: source.digest },
      ctx,
    );
  }

  /** Downloads the selected layer and stores it: extracted and repacked (ignore rules), or copied. */
  async reconcileArtifact(
    obj: OCIRepositoryObject,
    registry: RegistryClient,
    url: OciReference,
    source: ResolvedSource,
    manifest: FetchedManifest,
    fetch: SourceFetch,
    ctx: ReconcileContext,
  ): Promise<void> {
    const status: OCIRepositoryStatus = obj.status ?? {};
    const limits = {
      maxSize: this.#options.limits?.maxSize ?? defaultLimits.maxSize,
      maxFiles: this.#options.limits?.maxFiles ?? defaultLimits.maxFiles,
    };
    const selector = obj.spec.layerSelector;
    const operation = selector?.operation ?? 'extract';
    const chosen = await fetch.step(classifyLayer, async () =>
      selectLayer(manifest.manifest, selector?.mediaType, `${url.repository}@${source.digest}`),
    );
    const cacheKey = {
      registry: url.registry,
      repository: url.repository,
      layerDigest: chosen.digest,
      operation,
      ignore: obj.spec.ignore,
    };
    const store = {
      storage: storageOf(this.#options.storage),
      ref: artifactRef(OCIRepositoryKind, obj),
      revision: source.revision,
      metadata: manifest.manifest.annotations,
      gc: this.#options.gc,
      ctx,
      origin: obj.spec.url,
    };
    // Another object's artifact of this layer: linked in storage, nothing copied or written.
    const cached = this.#cache.digestOf(cacheKey);
    const linked =
      cached !== undefined && (await linkArtifact(obj as SourceObject, { ...store, digest: cached }));
    if (linked) ctx.log.debug({ layer: chosen.digest }, 'artifact of this layer stored before: linked');
    else {
      const work = await mkdtemp(join(tmpdir(), 'weft-ocirepository-'));
      try {
        const { path, digest, built } = await fetch.step(classifyLayer, () =>
          this.#cache.copyOrBuild(cacheKey, join(work, 'artifact.tar.gz'), () =>
            buildFromLayer(registry, url, chosen, operation, obj.spec.ignore, work, limits),
          ),
        );
        if (!built)
          ctx.log.debug({ layer: chosen.digest }, 'artifact of this layer built before: no download');
        await storeArtifact(obj as SourceObject, { ...store, tarball: path, digest });
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }
    if (obj.spec.ignore === undefined) delete status.observedIgnore;
    else status.observedIgnore = obj.spec.ignore;
    if (selector === undefined) delete status.observedLayerSelector;
    else status.observedLayerSelector = { ...selector, operation };
  }

  /** The manifest the ref resolved to: fetched once for all objects of one repository and digest. */
  #manifest(registry: RegistryClient, url: OciReference, digest: string): Promise<FetchedManifest> {
    return this.#cache.manifestOr(url.registry, url.repository, digest, () =>
      registry.getManifest(url.repository, digest),
    );
  }

  #upToDate(obj: OCIRepositoryObject, source: ResolvedSource): boolean {
    const status = obj.status ?? {};
    const artifact = status.artifact;
    if (!artifact || artifact.revision !== source.revision) return false;
    if (status.observedIgnore !== obj.spec.ignore) return false;
    const selector = obj.spec.layerSelector;
    const observed = status.observedLayerSelector;
    if (
      selector?.mediaType !== observed?.mediaType ||
      (selector === undefined ? undefined : (selector.operation ?? 'extract')) !== observed?.operation
    )
      return false;
    return verifiedFor(obj, obj.spec.verify, source.digest);
  }
}

/**
 * Downloads the layer (size and digest checked) and extracts it: `copy` keeps the layer's bytes
 * (extracted anyway, so the archive protections hold for what consumers will extract), `extract`
 * repacks the content with the ignore rules.
 */
async function buildFromLayer(
  registry: RegistryClient,
  url: OciReference,
  layer: Descriptor,
  operation: 'extract' | 'copy',
  ignore: string | undefined,
  work: string,
  limits: { maxSize: number; maxFiles: number },
): Promise<{ path: string; digest: string }> {
  const blob = join(work, 'layer.tar.gz');
  await registry.downloadBlob(url.repository, layer, blob, limits.maxSize);
  const content = join(work, 'content');
  await mkdir(content);
  await extractArchive(blob, content, limits);
  if (operation === 'copy') return { path: blob, digest: layer.digest };
  const rules = await ignoreRulesForTree(content, ignore);
  return buildArtifact({
    dir: content,
    out: join(work, 'built.tar.gz'),
    filter: (path, isDir) => !rules.excludes(path, isDir),
    escapingSymlinks: 'skip',
  });
}

/** The parsed `spec.url` (fields weft does not implement are refused before, by `fields`). */
function checkSpec(obj: OCIRepositoryObject): OciReference {
  try {
    return parseReference(obj.spec.url, { allowTag: false });
  } catch (error) {
    throw new StalledError(Reason.InvalidURL, `spec.url: ${(error as Error).message}`, { cause: error });
  }
}

async function resolveSource(
  registry: RegistryClient,
  obj: OCIRepositoryObject,
  url: OciReference,
): Promise<ResolvedSource> {
  const ref = obj.spec.ref ?? {};
  if (ref.digest) {
    if (!isValidDigest(ref.digest))
      throw new InvalidRefError(`spec.ref.digest "${ref.digest}" is not a sha256 digest`);
    const resolved = await registry.resolve(url.repository, ref.digest);
    return { tag: undefined, digest: resolved.digest, revision: resolved.digest };
  }
  let tag = ref.tag ?? 'latest';
  if (ref.semver) {
    const tags = await registry.listTags(url.repository);
    const chosen = selectSemverTag(tags, ref.semver, ref.semverFilter);
    if (chosen === undefined)
      throw new OciError(
        'NotFound',
        `no tag of ${url.registry}/${url.repository} matches spec.ref.semver "${ref.semver}"${ref.semverFilter ? ` and semverFilter "${ref.semverFilter}"` : ''}`,
      );
    tag = chosen;
  }
  const resolved = await registry.resolve(url.repository, tag);
  return { tag, digest: resolved.digest, revision: `${tag}@${resolved.digest}` };
}

/** Flux's reason for a failed registry exchange. */
function classify(error: unknown): { reason: string; stalled?: boolean } {
  if (error instanceof SecretError) return { reason: Reason.AuthenticationFailed };
  if (error instanceof InvalidRefError) return { reason: Reason.InvalidSpec, stalled: true };
  if (error instanceof OciError) {
    switch (error.code) {
      case 'Unauthorized':
      case 'InvalidCredentials':
        return { reason: Reason.AuthenticationFailed };
      case 'InvalidReference':
        return { reason: Reason.InvalidURL, stalled: true };
    }
  }
  return { reason: OCIReason.PullFailed };
}

/** A failure choosing, downloading or unpacking the layer: OCIArtifactLayerOperationFailed unless auth or spec. */
function classifyLayer(error: unknown): { reason: string; stalled?: boolean } {
  const failure = classify(error);
  return failure.reason === OCIReason.PullFailed ? { reason: OCIReason.LayerOperationFailed } : failure;
}
