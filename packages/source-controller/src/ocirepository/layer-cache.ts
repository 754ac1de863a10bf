import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/**
 * The last few artifacts built from OCI layers, so N OCIRepositories of one artifact download and
 * repack the layer once. Keyed by registry and repository too, not by digest alone: every object
 * still resolves the tag and fetches the manifest with its own credentials, so a manifest that
 * names someone else's layer digest in another repository cannot read that layer from here.
 */
export class LayerCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  #dir: Promise<string> | undefined;

  constructor(maxEntries = 16) {
    this.#maxEntries = maxEntries;
  }

  static keyOf(key: LayerCacheKey): string {
    return createHash('sha256')
      .update(
        JSON.stringify([key.registry, key.repository, key.layerDigest, key.operation, key.ignore ?? null]),
      )
      .digest('hex');
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
