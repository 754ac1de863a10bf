import { createReadStream, createWriteStream } from 'node:fs';
import { link, lstat, mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { errorMessage } from '@weft/runtime/errors';
import { Parser, type ReadEntry } from 'tar';
import { ArtifactError } from '../errors.ts';
import { entrySegments, resolveLinkTarget } from '../tarpath/resolve.ts';
import { type ExtractLimits, streamAllowance } from './limits.ts';

export interface ExtractSummary {
  /** Entries written (files, directories, links). */
  entries: number;
  /** Total size of the files written. */
  bytes: number;
}

/**
 * Extracts a `.tar.gz` into the empty directory `root`, refusing anything that could write
 * outside it or exhaust the disk. Fails on the first bad entry; the caller removes `root`.
 */
export async function extractArchive(
  archive: string,
  root: string,
  limits: ExtractLimits,
): Promise<ExtractSummary> {
  const extraction = new Extraction(archive, root, limits);
  return extraction.run();
}

class Extraction {
  readonly #archive: string;
  readonly #root: string;
  readonly #limits: ExtractLimits;
  readonly #abort = new AbortController();
  /** Symlinks written so far: archive path → target. */
  readonly #symlinks = new Map<string, string>();
  /** Directories known to exist, and other paths written: saves syscalls per entry. */
  readonly #directories = new Set<string>();
  readonly #written = new Set<string>();
  #entries = 0;
  #bytes = 0;
  #failure: ArtifactError | undefined;
  /** The file being written, destroyed when the extraction fails midway. */
  #activeFile: Writable | undefined;
  /** Entries are handled one after the other, in archive order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(archive: string, root: string, limits: ExtractLimits) {
    this.#archive = archive;
    this.#root = root;
    this.#limits = limits;
  }

  async run(): Promise<ExtractSummary> {
    const parser = new Parser({ strict: true });
    const parsed = new Promise<void>((resolve) => {
      parser.on('end', resolve);
      parser.on('error', (error: Error) => {
        this.#fail(
          new ArtifactError(
            'InvalidArchive',
            `${this.#archive} is not a valid tar archive: ${error.message}`,
          ),
        );
        resolve();
      });
    });
    parser.on('entry', (entry: ReadEntry) => {
      this.#queue = this.#queue
        .then(() => (this.#failure ? undefined : this.#handle(entry)))
        .catch((error: unknown) => this.#fail(error))
        // Drain whatever was not consumed so the parser can reach the end of the archive.
        .finally(() => entry.resume());
    });
    try {
      await pipeline(createReadStream(this.#archive), createGunzip(), this.#limitedWriter(parser), {
        signal: this.#abort.signal,
      });
      await parsed;
      await this.#queue;
    } catch (error) {
      this.#fail(error);
    }
    if (this.#failure) throw this.#failure;
    this.#checkSymlinks();
    return { entries: this.#entries, bytes: this.#bytes };
  }

  #fail(error: unknown): void {
    if (this.#failure) return;
    // Anything but our own errors comes from gunzip, the tar parser or the filesystem.
    const message = errorMessage(error);
    this.#failure =
      error instanceof ArtifactError
        ? error
        : new ArtifactError('InvalidArchive', `${this.#archive} is not a valid .tar.gz: ${message}`, {
            cause: error,
          });
    this.#activeFile?.destroy();
    this.#abort.abort();
  }

  /** Feeds the parser, counting uncompressed bytes so that a gzip bomb stops at the cap. */
  #limitedWriter(parser: Parser): Writable {
    let streamBytes = 0;
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        streamBytes += chunk.length;
        const allowed =
          this.#limits.maxSize + streamAllowance.base + streamAllowance.perEntry * this.#entries;
        if (streamBytes > allowed) {
          callback(
            new ArtifactError(
              'TooLarge',
              `${this.#archive} inflates beyond the limit of ${this.#limits.maxSize} bytes; stopped after ${streamBytes} bytes`,
              { details: { maxSize: this.#limits.maxSize, uncompressedBytesRead: streamBytes } },
            ),
          );
          return;
        }
        if (parser.write(chunk)) callback();
        else parser.once('drain', () => callback());
      },
      final: (callback) => {
        parser.end();
        callback();
      },
    });
  }

  async #handle(entry: ReadEntry): Promise<void> {
    this.#entries++;
    if (this.#entries > this.#limits.maxFiles) {
      throw new ArtifactError(
        'TooManyFiles',
        `${this.#archive} has more than ${this.#limits.maxFiles} entries`,
        {
          details: { maxFiles: this.#limits.maxFiles },
        },
      );
    }
    const path = this.#safePath(entry.path, entry.path, 'UnsafePath');
    if (path === '') {
      // `./` in archives made with `tar -C dir .`: the root itself.
      if (entry.type === 'Directory') return void entry.resume();
      throw this.#unsafe('UnsafePath', entry.path, 'names the root directory');
    }
    const target = join(this.#root, path);
    switch (entry.type) {
      case 'Directory':
        await this.#ensureDirectory(target, entry.path);
        entry.resume();
        return;
      case 'File':
      case 'OldFile':
      case 'ContiguousFile':
        await this.#writeFile(entry, path, target);
        return;
      case 'SymbolicLink':
        await this.#writeSymlink(entry, path, target);
        return;
      case 'Link':
        await this.#writeHardlink(entry, target);
        return;
      default:
        throw new ArtifactError(
          'UnsupportedEntry',
          `${this.#archive}: entry "${entry.path}" is a ${entry.type}; artifacts hold only files, directories and links`,
          { details: { path: entry.path, type: entry.type } },
        );
    }
  }

  /** The clean relative path, or an error when it is unsafe or passes through a symlink. */
  #safePath(path: string, shown: string, code: 'UnsafePath' | 'LinkEscape'): string {
    const segments = entrySegments(path);
    if (!Array.isArray(segments)) throw this.#unsafe(code, shown, segments.unsafe);
    for (let depth = 1; depth < segments.length; depth++) {
      if (this.#symlinks.has(segments.slice(0, depth).join('/'))) {
        throw this.#unsafe(code, shown, `passes through the symlink "${segments.slice(0, depth).join('/')}"`);
      }
    }
    return segments.join('/');
  }

  #unsafe(code: 'UnsafePath' | 'LinkEscape', path: string, why: string): ArtifactError {
    return new ArtifactError(code, `${this.#archive}: refusing entry "${path}", it ${why}`, {
      details: { path },
    });
  }

  async #ensureDirectory(target: string, shown: string): Promise<void> {
    if (this.#directories.has(target)) return;
    const existing = this.#written.has(target) ? await lstat(target).catch(() => undefined) : undefined;
    if (existing && !existing.isDirectory())
      throw this.#unsafe('UnsafePath', shown, 'replaces a file or link with a directory');
    await mkdir(target, { recursive: true, mode: 0o755 });
    this.#directories.add(target);
  }

  /** Makes room for a non-directory entry: parents exist, an earlier entry at the path is gone. */
  async #prepare(target: string, path: string, shown: string): Promise<void> {
    const parent = dirname(target);
    if (!this.#directories.has(parent)) {
      await mkdir(parent, { recursive: true, mode: 0o755 });
      this.#directories.add(parent);
    }
    // The root starts empty, so only a path this extraction wrote can exist already.
    if (!this.#written.has(target)) {
      this.#written.add(target);
      return;
    }
    const existing = await lstat(target).catch(() => undefined);
    if (!existing) return;
    if (existing.isDirectory()) throw this.#unsafe('UnsafePath', shown, 'replaces a directory');
    await rm(target);
    this.#symlinks.delete(path);
  }

  async #writeFile(entry: ReadEntry, path: string, target: string): Promise<void> {
    this.#bytes += entry.size;
    if (this.#bytes > this.#limits.maxSize) {
      throw new ArtifactError(
        'TooLarge',
        `${this.#archive}: files add up to more than the limit of ${this.#limits.maxSize} bytes (at "${entry.path}")`,
        { details: { maxSize: this.#limits.maxSize, path: entry.path } },
      );
    }
    await this.#prepare(target, path, entry.path);
    const mode = ((entry.mode ?? 0) & 0o111) !== 0 ? 0o755 : 0o644;
    const file = createWriteStream(target, { flags: 'wx', mode });
    this.#activeFile = file;
    await new Promise<void>((resolve, reject) => {
      file.on('error', reject);
      file.on('close', () =>
        file.writableFinished ? resolve() : reject(new Error(`writing ${target} was interrupted`)),
      );
      entry.on('error', reject);
      entry.pipe(file);
    }).catch((error: unknown) => {
      entry.unpipe(file);
      throw error;
    });
    this.#activeFile = undefined;
  }

  async #writeSymlink(entry: ReadEntry, path: string, target: string): Promise<void> {
    const linkTarget = entry.linkpath ?? '';
    if (resolveLinkTarget(path, linkTarget, this.#symlinks) === undefined) {
      throw this.#unsafe('LinkEscape', entry.path, `is a symlink to "${linkTarget}", outside the artifact`);
    }
    await this.#prepare(target, path, entry.path);
    await symlink(linkTarget, target);
    this.#symlinks.set(path, linkTarget);
    entry.resume();
  }

  async #writeHardlink(entry: ReadEntry, target: string): Promise<void> {
    const linkTarget = entry.linkpath ?? '';
    const shown = `${entry.path} => ${linkTarget}`;
    const existingPath = this.#safePath(linkTarget, shown, 'LinkEscape');
    const existing =
      existingPath === '' ? undefined : await lstat(join(this.#root, existingPath)).catch(() => undefined);
    // A hardlink to a symlink would copy the symlink to another directory, where its relative
    // target may lead elsewhere; only files extracted earlier are linked.
    if (!existing?.isFile()) {
      throw this.#unsafe(
        'LinkEscape',
        shown,
        'is a hardlink to something other than a file extracted before it',
      );
    }
    await this.#prepare(target, entry.path, entry.path);
    await link(join(this.#root, existingPath), target);
    entry.resume();
  }

  /**
   * A symlink checked when written may escape through a symlink that came later in the archive
   * (`a/l -> b/..` with `a/b -> ..`); with the whole set known, check each again.
   */
  #checkSymlinks(): void {
    for (const [path, linkTarget] of this.#symlinks) {
      if (resolveLinkTarget(path, linkTarget, this.#symlinks) === undefined) {
        throw this.#unsafe(
          'LinkEscape',
          path,
          `is a symlink to "${linkTarget}", which leads outside the artifact`,
        );
      }
    }
  }
}
