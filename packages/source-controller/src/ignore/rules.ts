import { type IgnorePattern, parsePatterns, patternMatches } from './pattern.ts';

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
 */
export class IgnoreRules {
  readonly #head: IgnorePattern[];
  readonly #found: IgnorePattern[] = [];
  readonly #tail: IgnorePattern[];

  constructor(specIgnore: string | undefined) {
    this.#head = parsePatterns(vcsIgnore);
    if (specIgnore === undefined) {
      this.#head.push(...parsePatterns(defaultIgnore));
      this.#tail = [];
    } else {
      this.#tail = parsePatterns(specIgnore);
    }
  }

  /** Adds the patterns of a `.sourceignore` found in directory `base` (`''` for the root). */
  addSourceIgnore(text: string, base: string): void {
    this.#found.push(...parsePatterns(text, base));
  }

  /**
   * Whether `path` itself is excluded, not looking at its parents: for walkers that do not
   * descend into excluded directories.
   */
  excludes(path: string, isDir: boolean): boolean {
    let excluded = false;
    for (const list of [this.#head, this.#found, this.#tail]) {
      for (const pattern of list) {
        if (patternMatches(pattern, path, isDir)) excluded = !pattern.negated;
      }
    }
    return excluded;
  }

  /** Whether `path` is excluded, itself or through an excluded parent directory (git's rule). */
  ignores(path: string, isDir: boolean): boolean {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      if (this.excludes(segments.slice(0, i).join('/'), true)) return true;
    }
    return this.excludes(path, isDir);
  }
}
