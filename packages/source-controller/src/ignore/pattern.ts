/** One gitignore pattern, scoped to the directory of the file it came from. */
export interface IgnorePattern {
  /** The directory the pattern is relative to (`''` for the root, `a/b` otherwise). */
  base: string;
  /** `!pattern`: re-include what an earlier pattern excluded. */
  negated: boolean;
  /** `pattern/`: matches directories only. */
  dirOnly: boolean;
  /** Matches the path relative to `base`. */
  regex: RegExp;
  /** The line it came from, for debugging. */
  source: string;
}

/** Parses gitignore text; every pattern is relative to `base`. Comments and blank lines are skipped. */
export function parsePatterns(text: string, base = ''): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const pattern = parsePattern(rawLine, base);
    if (pattern) patterns.push(pattern);
  }
  return patterns;
}

/** Parses one gitignore line; undefined for a blank line or a comment. */
export function parsePattern(rawLine: string, base = ''): IgnorePattern | undefined {
  let line = trimTrailingSpaces(rawLine);
  if (line === '' || line.startsWith('#')) return undefined;
  let negated = false;
  if (line.startsWith('!')) {
    negated = true;
    line = line.slice(1);
  } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
    line = line.slice(1);
  }
  let dirOnly = false;
  if (line.endsWith('/') && !line.endsWith('\\/')) {
    dirOnly = true;
    line = line.replace(/\/+$/, '');
  }
  if (line === '') return undefined;
  // A slash at the start or in the middle anchors the pattern to its base; otherwise it
  // matches a name at any depth.
  const anchored = line.includes('/');
  if (line.startsWith('/')) line = line.slice(1);
  const body = globToRegex(line);
  const source = anchored || line.startsWith('**/') ? `^${body}$` : `^(?:.*/)?${body}$`;
  return { base, negated, dirOnly, regex: new RegExp(source, 's'), source: rawLine };
}

function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === ' ' && line[end - 2] !== '\\') end--;
  return line.slice(0, end);
}

function escapeRegex(char: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char;
}

/** Translates a gitignore glob (`*`, `?`, `[...]`, `**`) to a regex source over `/`-separated paths. */
function globToRegex(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const char = glob[i] as string;
    if (char === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const atEnd = i + 2 === glob.length;
        const followedBySlash = glob[i + 2] === '/';
        if (atStart && followedBySlash) {
          // `**/`: zero or more directories.
          out += '(?:.*/)?';
          i += 3;
          continue;
        }
        if (atStart && atEnd) {
          // trailing `/**` (or a lone `**`): everything inside.
          out += '.*';
          i += 2;
          continue;
        }
        // Other consecutive asterisks are regular asterisks.
        out += '[^/]*';
        while (glob[i] === '*') i++;
        continue;
      }
      out += '[^/]*';
      i++;
    } else if (char === '?') {
      out += '[^/]';
      i++;
    } else if (char === '[') {
      const close = findClassEnd(glob, i);
      if (close < 0) {
        out += '\\[';
        i++;
        continue;
      }
      let cls = glob.slice(i + 1, close);
      let negate = false;
      if (cls.startsWith('!') || cls.startsWith('^')) {
        negate = true;
        cls = cls.slice(1);
      }
      out += `[${negate ? '^' : ''}${cls.replaceAll('\\', '\\\\').replaceAll('/', '')}]`;
      i = close + 1;
    } else if (char === '\\' && i + 1 < glob.length) {
      out += escapeRegex(glob[i + 1] as string);
      i += 2;
    } else {
      out += escapeRegex(char);
      i++;
    }
  }
  return out;
}

function findClassEnd(glob: string, open: number): number {
  let i = open + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) if (glob[i] === ']') return i;
  return -1;
}

/** Whether the pattern matches `path` (relative to the root), ignoring negation. */
export function patternMatches(pattern: IgnorePattern, path: string, isDir: boolean): boolean {
  if (pattern.dirOnly && !isDir) return false;
  let relative = path;
  if (pattern.base !== '') {
    if (!path.startsWith(`${pattern.base}/`)) return false;
    relative = path.slice(pattern.base.length + 1);
  }
  return pattern.regex.test(relative);
}
