import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FetchedManifest } from '@weft/oci';

/** What makes two OCIRepositories' artifacts byte-identical. */
export interface LayerCacheKey {
  registry: string;
  repository: string;
  /** The selected layer's digest: the same digest is the same bytes. */
  layerDigest: string;
  operation: 'extract' | 'copy';
  ignore: string | undefined;
}

interface Entry {
  path: string;
  digest: string;
}

/** Manifests larger than this are not kept (an artifact's manifest is about a kilobyte). */
const maxCachedManifestBytes = 64 * 1024;

/**
 * What N OCIRepositories of one artifact share, so the artifact is downloaded and built once: the
 * last few manifests (by registry, repository and digest) and artifacts built from layers (by
 * registry, repository, layer digest, operation and ignore). Keyed by registry and repository,
 * never by digest alone: every object still resolves its tag with its own credentials (the one
 * HEAD each reconcile costs), and only a successful resolve of that repository's digest reaches
 * these entries, so a tenant that merely names a digest another tenant pulled from another
 * repository reads nothing from here. Digests make the entries content-addressed: the bytes
 * behind one are the same for everyone allowed to pull them.
 */
export class LayerCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  readonly #manifests = new Map<string, FetchedManifest>();
  /** Fetches and builds under way, by entry id: objects reconciled at once wait for one of them. */
  readonly #inFlight = new Map<string, Promise<unknown>>();
  #dir: Promise<string> | undefined;

  constructor(maxEntries = 16) {
    this.#maxEntries = maxEntries;
  }

  /** The manifest `repository@digest` of `registry`, fetched (and digest-checked) before. */
  manifest(registry: string, repository: string, digest: string): FetchedManifest | undefined {
    const id = JSON.stringify([registry, repository, digest]);
    const found = this.#manifests.get(id);
    if (found) {
      this.#manifests.delete(id);
      this.#manifests.set(id, found);
    }
    return found;
  }

  /** Keeps a small manifest for the next object of the same artifact; LRU past the limit. */
  putManifest(registry: string, repository: string, manifest: FetchedManifest): void {
    if (this.#maxEntries === 0 || manifest.size > maxCachedManifestBytes) return;
    const id = JSON.stringify([registry, repository, manifest.digest]);
    this.#manifests.delete(id);
    this.#manifests.set(id, manifest);
    while (this.#manifests.size > this.#maxEntries) {
      const oldest = this.#manifests.keys().next().value as string;
      this.#manifests.delete(oldest);
    }
  }

  static keyOf(key: LayerCacheKey): string {
    return createHash('sha256')
      .update(
        JSON.stringify([key.registry, key.repository, key.layerDigest, key.operation, key.ignore ?? null]),
      )
      .digest('hex');
  }

  /**
   * The cached manifest, else the one another object is fetching right now, else `fetch()`'s
   * (then kept). A failed fetch of another object is not this one's failure: it fetches itself.
   */
  async manifestOr(
    registry: string,
    repository: string,
    digest: string,
    fetch: () => Promise<FetchedManifest>,
  ): Promise<FetchedManifest> {
    const id = `manifest|${JSON.stringify([registry, repository, digest])}`;
    const running = this.#inFlight.get(id);
    if (running) await running.catch(() => {});
    const cached = this.manifest(registry, repository, digest);
    if (cached) return cached;
    // From the lookup to here nothing awaited (or the fetch waited for failed): this object fetches.
    const manifest = await this.#once(id, fetch);
    this.putManifest(registry, repository, manifest);
    return manifest;
  }

  /**
   * Copies the cached artifact to `target`, waiting for a build of the same key under way; on a
   * miss runs `build()` (its tarball is kept for the next object). Returns the tarball's path and
   * digest and whether it was built here.
   */
  async copyOrBuild(
    key: LayerCacheKey,
    target: string,
    build: () => Promise<{ path: string; digest: string }>,
  ): Promise<{ path: string; digest: string; built: boolean }> {
    const id = LayerCache.keyOf(key);
    const running = this.#inFlight.get(id);
    if (running) await running.catch(() => {});
    if (running || this.#entries.has(id)) {
      const digest = await this.copyTo(key, target);
      if (digest !== undefined) return { path: target, digest, built: false };
    }
    // No build was under way and nothing was cached (checked without awaiting), or the build
    // waited for failed: this object builds.
    const built = await this.#once(id, async () => {
      const result = await build();
      await this.put(key, result.path, result.digest);
      return result;
    });
    return { ...built, built: true };
  }

  #once<T>(id: string, work: () => Promise<T>): Promise<T> {
    const running = work().finally(() => {
      if (this.#inFlight.get(id) === running) this.#inFlight.delete(id);
    });
    this.#inFlight.set(id, running);
    return running;
  }

  /** The digest of the artifact built for `key` before (most recently used now), or undefined. */
  digestOf(key: LayerCacheKey): string | undefined {
    const id = LayerCache.keyOf(key);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry.digest;
  }

  /** Copies the cached tarball to `target` and returns its digest, or undefined on a miss. */
  async copyTo(key: LayerCacheKey, target: string): Promise<string | undefined> {
    const id = LayerCache.keyOf(key);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    try {
      await copyFile(entry.path, target);
    } catch {
      this.#entries.delete(id);
      return undefined;
    }
    // Most recently used last.
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry.digest;
  }

  /** Keeps a copy of a built tarball; evicts the least recently used past the limit. */
  async put(key: LayerCacheKey, source: string, digest: string): Promise<void> {
    if (this.#maxEntries === 0) return;
    const id = LayerCache.keyOf(key);
    this.#dir ??= mkdtemp(join(tmpdir(), 'weft-oci-layer-cache-'));
    const path = join(await this.#dir, `${id}.tar.gz`);
    await copyFile(source, path);
    this.#entries.delete(id);
    this.#entries.set(id, { path, digest });
    while (this.#entries.size > this.#maxEntries) {
      const [oldest, entry] = this.#entries.entries().next().value as [string, Entry];
      this.#entries.delete(oldest);
      await rm(entry.path, { force: true });
    }
  }
}
