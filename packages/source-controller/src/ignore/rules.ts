import ignore, { type Ignore } from 'ignore';

/** The file in a source that adds ignore patterns for its directory and below. */
export const sourceIgnoreFile = '.sourceignore';

/** Always left out: version control metadata. */
export const vcsIgnore = ['.git/', '.gitignore', '.gitmodules', '.gitattributes'].join('\n');

/** Flux's default exclusions: CI configs, images and archives, tool configs. `spec.ignore` replaces these. */
export const defaultIgnore = [
  '# CI',
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  '# media and archives',
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
  '# tool configs',
  '**/.goreleaser.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
].join('\n');

/**
 * The ignore rules of one source, in gitignore semantics (the last matching pattern wins):
 * the VCS list, then `spec.ignore` when set or else the default list, then `.sourceignore`
 * files as they are found (each relative to its directory). `spec.ignore` also goes after the
 * `.sourceignore` patterns, so it can overrule them (as Flux documents).
 *
 * Matching is the `ignore` library's (git's own answers on bench/ignore-exactness.bench.ts, and
 * faster than the matcher we had: docs/design/0012-own-or-library.md). It reads one gitignore
 * relative to one root, so a `.sourceignore` of directory `base` is rewritten to root-relative
 * patterns (`*.tmp` in `apps` matches at any depth below `/apps`), in order, and the matcher is rebuilt
 * when one is added (once per `.sourceignore`, before the walk below it).
 */
export class IgnoreRules {
  readonly #head: string[];
  readonly #found: string[] = [];
  readonly #tail: string[];
  #matcher: Ignore | undefined;

  constructor(specIgnore: string | undefined) {
    this.#head = [vcsIgnore];
    if (specIgnore === undefined) {
      this.#head.push(defaultIgnore);
      this.#tail = [];
    } else {
      this.#tail = [specIgnore];
    }
  }

  /** Adds the patterns of a `.sourceignore` found in directory `base` (`''` for the root). */
  addSourceIgnore(text: string, base: string): void {
    this.#found.push(base === '' ? text : rebase(text, base));
    this.#matcher = undefined;
  }

  /**
   * Whether `path` is excluded, for walkers that do not descend into excluded directories: the
   * same answer as `ignores`, since no parent of a path such a walker reaches is excluded.
   */
  excludes(path: string, isDir: boolean): boolean {
    return this.ignores(path, isDir);
  }

  /** Whether `path` is excluded, itself or through an excluded parent directory (git's rule). */
  ignores(path: string, isDir: boolean): boolean {
    if (path === '') return false;
    this.#matcher ??= ignore({ ignorecase: false }).add(
      [...this.#head, ...this.#found, ...this.#tail].join('\n'),
    );
    return this.#matcher.ignores(isDir ? `${path}/` : path);
  }
}

/**
 * The lines of a gitignore in directory `base` as patterns relative to the root: a pattern with a
 * slash before its end is anchored to `base`, one without matches at any depth below it.
 */
function rebase(text: string, base: string): string {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    const anchored = pattern.replace(/\/+$/, '').includes('/');
    const rooted = anchored ? `/${base}/${pattern.replace(/^\//, '')}` : `/${base}/**/${pattern}`;
    lines.push(`${negated ? '!' : ''}${rooted}`);
  }
  return lines.join('\n');
}
