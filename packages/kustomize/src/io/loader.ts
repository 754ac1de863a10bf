import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { KustomizeError } from '../errors.ts';
import { activeLimits, LimitError, spendBytes } from '../limits/limits.ts';

const remotePattern =
  /^(https?:\/\/|git@|ssh:\/\/|git::|s3::|gcs::|file:\/\/|oci:\/\/)|^(github\.com|gitlab\.com|bitbucket\.org)\/|\?ref=|\.git(\/\/|$)/;

export const isRemote = (ref: string): boolean => remotePattern.test(ref);

const within = (child: string, parent: string): boolean => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** Checks a file's size against the build's limits before it is read, and counts it. */
const readable = (real: string): string => {
  const { size } = statSync(real);
  const { maxFileBytes } = activeLimits();
  if (size > maxFileBytes) throw new LimitError('maxFileBytes', `the file has ${size} bytes`, real);
  spendBytes(size, real);
  return real;
};

/**
 * Reads files for one kustomization directory. Like kustomize's root-only load restrictor,
 * files must be inside that directory (unless `anyFile`, kustomize's LoadRestrictionsNone);
 * directories (bases, components) may be elsewhere; everything must stay within `buildRoot`, and
 * symlinks are judged by where they really point.
 */
export class Loader {
  /** Real path of the kustomization directory. */
  readonly dir: string;
  readonly buildRoot: string;
  /** Directories on the way here, to report cycles. */
  readonly ancestors: readonly string[];
  /** Path of this directory relative to the top build directory, for origin annotations. */
  readonly originPath: string;
  /** This directory's kustomization, given by the caller instead of its file (top directory only). */
  readonly kustomization: Record<string, unknown> | undefined;
  /** Contents by real path that replace the files on disk (BuildOptions.files). */
  readonly overlay: ReadonlyMap<string, Buffer> | undefined;
  /** Files may be read from outside the kustomization directory (still within `buildRoot`). */
  readonly anyFile: boolean;

  constructor(
    dir: string,
    buildRoot: string,
    ancestors: readonly string[],
    originPath: string,
    kustomization?: Record<string, unknown>,
    overlay?: ReadonlyMap<string, Buffer>,
    anyFile = false,
  ) {
    this.anyFile = anyFile;
    this.dir = dir;
    this.buildRoot = buildRoot;
    this.ancestors = ancestors;
    this.originPath = originPath;
    this.kustomization = kustomization;
    this.overlay = overlay;
  }

  static forRoot(
    dir: string,
    root: string | undefined,
    kustomization?: Record<string, unknown>,
    overlay?: ReadonlyMap<string, Buffer>,
    anyFile = false,
  ): Loader {
    const absolute = path.resolve(dir);
    let real: string;
    try {
      real = realpathSync(absolute);
    } catch {
      throw new KustomizeError(`kustomization directory not found: ${absolute}`);
    }
    const buildRoot = root === undefined ? path.parse(real).root : realpathSync(path.resolve(root));
    if (!within(real, buildRoot))
      throw new KustomizeError(`build directory ${real} is outside the root ${buildRoot}`);
    // A copy: the build may not change the caller's object, nor the caller the build's.
    const copy = kustomization && structuredClone(kustomization);
    return new Loader(real, buildRoot, [], '', copy, overlay, anyFile);
  }

  private resolveReal(ref: string, what: string): string {
    if (isRemote(ref)) {
      throw new KustomizeError(
        `remote ${what} '${ref}' is not supported: weft-kustomize never fetches from the network; vendor it into the source`,
        this.dir,
      );
    }
    const absolute = path.resolve(this.dir, ref);
    let real: string;
    try {
      real = realpathSync(absolute);
    } catch {
      throw new KustomizeError(`${what} '${ref}' not found (looked for ${absolute})`, this.dir);
    }
    if (!within(real, this.buildRoot)) {
      throw new KustomizeError(
        `security: ${what} '${ref}' resolves to ${real}, outside the root ${this.buildRoot}`,
        this.dir,
      );
    }
    return real;
  }

  /** Whether `ref` names an existing regular file (used to tell files from bases). */
  isFile(ref: string): boolean {
    if (isRemote(ref)) return false;
    try {
      return statSync(path.resolve(this.dir, ref)).isFile();
    } catch {
      return false;
    }
  }

  /** `inMemory` is true when the text came from the overlay: it must not be cached. */
  readFile(ref: string, what = 'file'): { path: string; text: string; inMemory: boolean } {
    const real = this.resolveReal(ref, what);
    if (!this.anyFile && !within(real, this.dir)) {
      throw new KustomizeError(
        `security: ${what} '${ref}' is not in or below the kustomization directory ${this.dir}; move it there, make its folder a kustomization and list that as a resource, or build with loadRestrictions 'none' (--load-restrictor LoadRestrictionsNone)`,
        this.dir,
      );
    }
    const replaced = this.overlay?.get(real);
    if (replaced !== undefined) return { path: real, text: replaced.toString('utf8'), inMemory: true };
    return { path: real, text: readFileSync(readable(real), 'utf8'), inMemory: false };
  }

  /** Bytes of a file already vetted (and counted) by `readFile`. */
  readBytes(realPath: string): Buffer {
    return this.overlay?.get(realPath) ?? readFileSync(realPath);
  }

  /** A loader for a base or component directory; refuses cycles. */
  child(ref: string, what: string): Loader {
    const real = this.resolveReal(ref, what);
    if (real === this.dir || this.ancestors.includes(real)) {
      throw new KustomizeError(`cycle: ${what} '${ref}' (${real}) includes itself`, this.dir);
    }
    if (!statSync(real).isDirectory())
      throw new KustomizeError(`${what} '${ref}' is not a directory`, this.dir);
    return new Loader(
      real,
      this.buildRoot,
      [...this.ancestors, this.dir],
      path.join(this.originPath, ref),
      undefined,
      this.overlay,
      this.anyFile,
    );
  }

  rel(file: string): string {
    return path.relative(this.dir, file) || '.';
  }
}
