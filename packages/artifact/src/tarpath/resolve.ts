/**
 * Lexical path rules shared by the builder and the extractor. Both work on archive paths
 * (`/`-separated, relative to the artifact root) and never ask the filesystem, so the same
 * decision is made when building and when extracting.
 */

/** Links followed while resolving one target before we call it a loop (as Linux's MAXSYMLINKS). */
const maxLinkHops = 40;

/**
 * Splits an archive entry path into clean segments, or returns a reason it is unsafe.
 * `./a//b/` → ['a', 'b']; `.` → [] (the root itself).
 */
export function entrySegments(path: string): string[] | { unsafe: string } {
  if (path.includes('\0')) return { unsafe: 'contains a NUL byte' };
  if (path.includes('\\')) return { unsafe: 'contains a backslash' };
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return { unsafe: 'is absolute' };
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return { unsafe: 'contains ".."' };
    segments.push(segment);
  }
  return segments;
}

/**
 * Where a symlink at `linkPath` pointing to `target` ends up, relative to the root, following
 * the other symlinks of the same tree (`links`: archive path → target) when they sit in the
 * middle of the target. Returns undefined when the target leaves the root, is absolute, or loops.
 * Following intermediate links matters: `sub/up -> ..` is harmless alone, but makes
 * `sub/up/x -> ../..` escape although `sub/up/x/../..` looks like `sub`.
 */
export function resolveLinkTarget(
  linkPath: string,
  target: string,
  links: ReadonlyMap<string, string>,
): string | undefined {
  if (target.startsWith('/') || target.includes('\\') || target.includes('\0') || /^[A-Za-z]:/.test(target)) {
    return undefined;
  }
  const stack = linkPath.split('/').slice(0, -1);
  let pending = target.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const segment = pending[0] as string;
    pending = pending.slice(1);
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (stack.length === 0) return undefined;
      stack.pop();
      continue;
    }
    stack.push(segment);
    const through = links.get(stack.join('/'));
    // The last segment may itself be a link: it is checked on its own, so only links in the
    // middle of the path are followed here.
    if (through !== undefined && pending.some((rest) => rest !== '' && rest !== '.')) {
      hops++;
      if (hops > maxLinkHops || through.startsWith('/')) return undefined;
      stack.pop();
      pending = [...through.split('/'), ...pending];
    }
  }
  return stack.join('/');
}
