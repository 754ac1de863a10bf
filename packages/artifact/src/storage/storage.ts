import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { digestHex, formatDigest } from '../digest.ts';
import { ArtifactError } from '../errors.ts';
import { linkExisting, makeDurableDirectory, moveIntoDirectory, syncDirectory, syncFile } from './atomic.ts';
import { type GarbageCollectOptions, garbageCollect } from './gc.ts';
import { type ArtifactRef, objectDirectory } from './ref.ts';

export interface StorageOptions {
  /** The directory holding every artifact. */
  root: string;
  /**
   * The address consumers reach the server at (`--storage-adv-addr`): a host[:port] or a URL,
   * e.g. `source-controller.weft-system.svc.cluster.local.` or `http://127.0.0.1:9090`.
   */
  advertisedAddress: string;
  /** The clock; tests pass their own. */
  now?: () => Date;
}

/** Digests whose stored copy is remembered for linking: distinct contents, not objects. */
const maxLinkSources = 1024;

export interface StoredArtifact {
  /** Relative to the storage root: `<kind>/<namespace>/<name>/<digest-hex>.tar.gz`. */
  path: string;
  url: string;
  digest: string;
  size: number;
  lastUpdateTime: string;
}

/**
 * Content-addressed artifact storage on a local filesystem.
 *
 * Lock-free by design: one controller (the leader) writes, and it reconciles one object at a
 * time, so no two writers touch one object directory. Writes are atomic (temp file, fsync,
 * rename), so the server and GC only ever see whole artifacts; the name is the digest, so a
 * rename over an existing file replaces it with identical bytes. Bytes stored already for another
 * object (N objects of one artifact) are hard-linked instead of written and fsynced again
 * (docs/artifacts.md, "Durability").
 */
export class Storage {
  readonly root: string;
  readonly #baseUrl: string;
  readonly #now: () => Date;
  /** Digest → a stored copy of it (its data fsynced once), which later stores of those bytes link. */
  readonly #stored = new Map<string, string>();

  constructor(options: StorageOptions) {
    this.root = options.root;
    this.#baseUrl = advertisedBaseUrl(options.advertisedAddress);
    this.#now = options.now ?? (() => new Date());
  }

  /** `<kind>/<namespace>/<name>/<digest-hex>.tar.gz`, relative to the root. */
  relativePath(ref: ArtifactRef, digest: string): string {
    return `${objectDirectory(ref)}/${digestHex(digest)}.tar.gz`;
  }

  /** The absolute path of an artifact. */
  path(ref: ArtifactRef, digest: string): string {
    return join(this.root, this.relativePath(ref, digest));
  }

  /** The URL consumers download the artifact from. */
  url(ref: ArtifactRef, digest: string): string {
    return `${this.#baseUrl}/${this.relativePath(ref, digest)}`;
  }

  async has(ref: ArtifactRef, digest: string): Promise<boolean> {
    try {
      return (await stat(this.path(ref, digest))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /**
   * Moves a finished tarball (e.g. from buildArtifact) into storage under its digest, which is
   * computed here from the bytes rather than trusted from the caller.
   */
  async store(ref: ArtifactRef, tarballPath: string): Promise<StoredArtifact> {
    const dir = join(this.root, objectDirectory(ref));
    await makeDurableDirectory(dir);
    const temp = await moveIntoDirectory(tarballPath, dir);
    try {
      const { digest, size } = await hashFile(temp);
      const now = this.#now();
      const target = this.path(ref, digest);
      const existing = this.#stored.get(digest);
      if (existing !== undefined && (await linkExisting(existing, target, now, size)) !== undefined) {
        await rm(temp, { force: true });
      } else {
        await syncFile(temp, now);
        await rename(temp, target);
        await syncDirectory(dir);
      }
      this.#remember(digest, target);
      return this.#artifact(ref, digest, size, now);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /**
   * Stores for `ref` the bytes of `digest` that this storage stored before (for any object), as a
   * hard link: no copy, no hash, no fsync (the durability of links: docs/artifacts.md). The bytes
   * are the ones `store()` hashed, so `digest` only chooses them. Undefined when this process has
   * stored no such bytes, or the copy it remembers is gone: `store()` them.
   */
  async link(ref: ArtifactRef, digest: string): Promise<StoredArtifact | undefined> {
    const existing = this.#stored.get(digest);
    if (existing === undefined) return undefined;
    const dir = join(this.root, objectDirectory(ref));
    await makeDurableDirectory(dir);
    const now = this.#now();
    const target = this.path(ref, digest);
    const size = await linkExisting(existing, target, now);
    if (size === undefined) {
      this.#stored.delete(digest);
      return undefined;
    }
    this.#remember(digest, target);
    return this.#artifact(ref, digest, size, now);
  }

  #artifact(ref: ArtifactRef, digest: string, size: number, storedAt: Date): StoredArtifact {
    return {
      path: this.relativePath(ref, digest),
      url: this.url(ref, digest),
      digest,
      size,
      lastUpdateTime: storedAt.toISOString(),
    };
  }

  /** Keeps `path` as the copy of `digest` the next store of the same bytes links (LRU). */
  #remember(digest: string, path: string): void {
    this.#stored.delete(digest);
    this.#stored.set(digest, path);
    if (this.#stored.size > maxLinkSources) this.#stored.delete(this.#stored.keys().next().value as string);
  }

  /**
   * Deletes old artifacts of one object: keeps the newest `keep`, deletes the rest once older
   * than `ttlMs`, never deletes `current`, and clears temp files left by a crash. Returns the
   * relative paths it deleted.
   */
  async garbageCollect(ref: ArtifactRef, options: GarbageCollectOptions = {}): Promise<string[]> {
    const relativeDir = objectDirectory(ref);
    const deleted = await garbageCollect(join(this.root, relativeDir), this.#now(), options);
    return deleted.map((name) => `${relativeDir}/${name}`);
  }

  /** Deletes every artifact of an object, e.g. when the object itself is deleted. */
  async removeAll(ref: ArtifactRef): Promise<void> {
    await rm(join(this.root, objectDirectory(ref)), { recursive: true, force: true });
  }
}

function advertisedBaseUrl(address: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch (cause) {
    throw new ArtifactError('InvalidReference', `invalid storage advertised address "${address}"`, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ArtifactError(
      'InvalidReference',
      `storage advertised address "${address}" must be http or https`,
    );
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
}

async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(path), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
    }
  });
  return { digest: formatDigest(hash.digest('hex')), size };
}
