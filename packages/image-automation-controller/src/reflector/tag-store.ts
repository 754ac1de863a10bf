/**
 * Where the full tag list of each ImageRepository is kept between scans (the status holds only
 * the count and ten tags). One gzipped file per ImageRepository under the storage path, so the
 * lists survive a restart and a restarted controller does not rescan what is not due
 * (docs/design/0016-image-tags-store.md); the most recently used lists are kept decoded in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** The tags of one scan of one ImageRepository. */
export interface TagList {
  /** The repository scanned, e.g. `ghcr.io/org/app`. */
  canonicalImageName: string;
  /** `sha256:<hex>` of the sorted tags: `status.lastScanResult.revision`. */
  revision: string;
  /** RFC 3339 time of the scan. */
  scanTime: string;
  /** Every tag kept (after the exclusion list), sorted. */
  tags: readonly string[];
}

/**
 * What the rest of the controller reads: the tag list of an ImageRepository by its key
 * (`namespace/name`), undefined when it was never scanned (or its list was lost).
 */
export interface TagStore {
  get(repositoryKey: string): Promise<TagList | undefined>;
}

/** The revision of a tag list: its digest, independent of the registry's order. */
export function tagsRevision(sortedTags: readonly string[]): string {
  return `sha256:${createHash('sha256').update(sortedTags.join('\n')).digest('hex')}`;
}

export interface FileTagStoreOptions {
  /** Directory of the files; created when missing. */
  dir: string;
  /** Tags kept decoded in memory across all lists (default 1,000,000: ~50 MiB). */
  memoryTags?: number;
}

const formatVersion = 1;

/**
 * Files `<dir>/<namespace>/<name>.tags.gz`: a JSON header line, then one tag per line (a tag has no
 * newline: `[A-Za-z0-9_.-]`). Written to a temporary file and renamed, so a crash leaves the old
 * list or the new one, never half of one.
 */
export class FileTagStore implements TagStore {
  readonly #dir: string;
  readonly #memoryTags: number;
  /** Insertion order is recency: a hit moves the entry to the end. */
  readonly #memory = new Map<string, TagList>();
  #memoryCount = 0;

  constructor(options: FileTagStoreOptions) {
    this.#dir = options.dir;
    this.#memoryTags = options.memoryTags ?? 1_000_000;
  }

  #path(repositoryKey: string): string {
    const [namespace, name, ...rest] = repositoryKey.split('/');
    // Namespaces and names are DNS labels and subdomains: no `/`, no `..`. Anything else is a bug.
    if (!namespace || !name || rest.length > 0 || name.startsWith('.') || namespace.startsWith('.'))
      throw new Error(`invalid ImageRepository key "${repositoryKey}"`);
    return join(this.#dir, namespace, `${name}.tags.gz`);
  }

  async get(repositoryKey: string): Promise<TagList | undefined> {
    const cached = this.#memory.get(repositoryKey);
    if (cached) {
      this.#memory.delete(repositoryKey);
      this.#memory.set(repositoryKey, cached);
      return cached;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#path(repositoryKey));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const list = decode(await gunzipAsync(bytes), repositoryKey);
    if (list) this.#remember(repositoryKey, list);
    return list;
  }

  /** Stores the tags of a scan (sorted here) and returns the list with its revision. */
  async set(
    repositoryKey: string,
    scan: { canonicalImageName: string; scanTime: string; tags: readonly string[] },
  ): Promise<TagList> {
    const tags = [...scan.tags].sort();
    const list: TagList = {
      canonicalImageName: scan.canonicalImageName,
      scanTime: scan.scanTime,
      revision: tagsRevision(tags),
      tags,
    };
    const path = this.#path(repositoryKey);
    const header = JSON.stringify({
      v: formatVersion,
      key: repositoryKey,
      canonicalImageName: list.canonicalImageName,
      revision: list.revision,
      scanTime: list.scanTime,
    });
    const body = await gzipAsync(Buffer.from([header, ...tags].join('\n'), 'utf8'));
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      // The namespace's directory is made by its first list (not a mkdir per scan).
      await writeFile(temporary, body).catch(async (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        await mkdir(dirname(path), { recursive: true });
        await writeFile(temporary, body);
      });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    this.#forget(repositoryKey);
    this.#remember(repositoryKey, list);
    return list;
  }

  async delete(repositoryKey: string): Promise<void> {
    this.#forget(repositoryKey);
    await rm(this.#path(repositoryKey), { force: true });
  }

  #remember(repositoryKey: string, list: TagList): void {
    this.#memory.set(repositoryKey, list);
    this.#memoryCount += list.tags.length;
    for (const [key, old] of this.#memory) {
      if (this.#memoryCount <= this.#memoryTags || key === repositoryKey) break;
      this.#memory.delete(key);
      this.#memoryCount -= old.tags.length;
    }
  }

  #forget(repositoryKey: string): void {
    const old = this.#memory.get(repositoryKey);
    if (!old) return;
    this.#memory.delete(repositoryKey);
    this.#memoryCount -= old.tags.length;
  }
}

/** A stored file back as a list; undefined (a rescan) for a file of another format or key. */
function decode(text: Buffer, repositoryKey: string): TagList | undefined {
  const lines = text.toString('utf8').split('\n');
  let header: {
    v?: unknown;
    key?: unknown;
    canonicalImageName?: unknown;
    revision?: unknown;
    scanTime?: unknown;
  };
  try {
    header = JSON.parse(lines[0] ?? '') as typeof header;
  } catch {
    return undefined;
  }
  if (header.v !== formatVersion || header.key !== repositoryKey) return undefined;
  const tags = lines.slice(1).filter((line) => line !== '');
  if (tagsRevision(tags) !== header.revision) return undefined;
  return {
    canonicalImageName: String(header.canonicalImageName),
    revision: String(header.revision),
    scanTime: String(header.scanTime),
    tags,
  };
}
