import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex } from '../digest.ts';
import { type FetchOptions, type FetchResult, fetchArtifact } from './fetch.ts';

export interface ArtifactCacheOptions {
  /** Where the cache makes its own directory (removed by `close()`). */
  parent: string;
  /** Extracted artifacts kept while nobody uses them, most recently released last out (default 8). */
  maxUnused?: number;
}

/** An extracted artifact, read-only, until `release()`. */
export interface CachedArtifact extends FetchResult {
  /** Whether this acquire reused an earlier download. */
  hit: boolean;
  release(): void;
}

const isDirectory = (path: string): Promise<boolean> =>
  stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );

interface Entry {
  /** The fetch; its result names the directory. */
  ready: Promise<FetchResult>;
  users: number;
  released: number;
}

/**
 * Extracted artifacts shared by digest. A digest names the bytes, so every consumer of the same
 * artifact (the Kustomizations of one monorepo; each interval's rebuild of an unchanged revision)
 * can read one extraction instead of downloading, verifying and unpacking its own copy. Callers
 * must only read the directory they are given. Concurrent acquires of one digest share one fetch;
 * a failed fetch is not kept.
 */
export class ArtifactCache {
  readonly #options: ArtifactCacheOptions;
  readonly #entries = new Map<string, Entry>();
  #root: Promise<string> | undefined;
  #serial = 0;
  #closed = false;
  #hits = 0;
  #misses = 0;

  constructor(options: ArtifactCacheOptions) {
    this.#options = options;
  }

  /** Downloads, verifies and extracts the artifact, or reuses an extraction of the same digest. */
  async acquire(options: Omit<FetchOptions, 'dir'>): Promise<CachedArtifact> {
    if (this.#closed) throw new Error('artifact cache is closed');
    const hex = digestHex(options.digest);
    let entry = this.#entries.get(hex);
    const hit = entry !== undefined;
    if (hit) this.#hits++;
    else this.#misses++;
    if (!entry) {
      // Registered before the first await, so concurrent acquires of the digest find it.
      const name = `${hex.slice(0, 16)}-${this.#serial++}`;
      const ready = this.#rootDir().then((root) => fetchArtifact({ ...options, dir: join(root, name) }));
      const created: Entry = { ready, users: 0, released: 0 };
      // A failed fetch leaves nothing behind (fetchArtifact is atomic); forget it so the next
      // acquire tries again.
      created.ready.catch(() => {
        if (this.#entries.get(hex) === created) this.#entries.delete(hex);
      });
      this.#entries.set(hex, created);
      entry = created;
    }
    entry.users++;
    let result: FetchResult;
    try {
      result = await entry.ready;
    } catch (error) {
      entry.users--;
      throw error;
    }
    // Something outside removed the extraction (a temp-dir cleaner): forget it and fetch again.
    if (hit && !(await isDirectory(result.dir))) {
      entry.users--;
      if (this.#entries.get(hex) === entry) this.#entries.delete(hex);
      this.#hits--;
      return this.acquire(options);
    }
    const held = entry;
    let released = false;
    return {
      ...result,
      hit,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        held.released = performance.now();
        // Removal errors (a directory already gone) change nothing for the caller.
        void this.#evict().catch(() => undefined);
      },
    };
  }

  /** Extracted artifacts on disk, in use or not. */
  get size(): number {
    return this.#entries.size;
  }

  /** Reads answered from what was already there. */
  get hits(): number {
    return this.#hits;
  }

  /** Reads that had to do the work (download, verify and extract). */
  get misses(): number {
    return this.#misses;
  }

  /** Removes every unused extraction; those in use go when released. No acquire after this. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#evict();
  }

  #rootDir(): Promise<string> {
    this.#root ??= mkdir(this.#options.parent, { recursive: true }).then(() =>
      mkdtemp(join(this.#options.parent, 'artifacts-')),
    );
    return this.#root;
  }

  /** Drops the least recently released unused extractions beyond `maxUnused` (all once closed). */
  async #evict(): Promise<void> {
    const keep = this.#closed ? 0 : (this.#options.maxUnused ?? 8);
    const unused = [...this.#entries]
      .filter(([, e]) => e.users === 0)
      .sort((a, b) => a[1].released - b[1].released);
    const removals = unused.slice(0, Math.max(0, unused.length - keep)).map(async ([hex, entry]) => {
      this.#entries.delete(hex);
      await entry.ready.then(
        (fetched) => rm(fetched.dir, { recursive: true, force: true }),
        () => undefined,
      );
    });
    await Promise.all(removals);
    if (this.#closed && this.#entries.size === 0 && this.#root) {
      await rm(await this.#root, { recursive: true, force: true });
    }
  }
}
