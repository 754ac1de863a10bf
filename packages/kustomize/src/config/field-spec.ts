import type { FieldSpec } from '../kustomization/types.ts';
import { type Gvk, gvkSelected } from '../model/resid.ts';
import { isMap } from '../model/types.ts';

const splitPaths = new Map<string, readonly string[]>();

/**
 * Splits a field-spec path on unescaped '/', as kustomize does ("a/b\/c" has two segments).
 * Builds walk the same few hundred builtin paths for every object, so results are kept (frozen).
 */
export const splitPath = (path: string): readonly string[] => {
  let segments = splitPaths.get(path);
  if (segments === undefined) {
    // User configurations add paths too; a long-lived process keeps a bounded number.
    if (splitPaths.size >= 10_000) splitPaths.clear();
    segments = Object.freeze(splitUncached(path));
    splitPaths.set(path, segments);
  }
  return segments;
};

const splitUncached = (path: string): string[] => {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && path[i + 1] === '/') {
      cur += '/';
      i++;
    } else if (c === '/') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.filter((s) => s !== '');
};

// A FieldSpec's group/version/kind select like a Gvk selector (empty means any).
export const fieldSpecSelects = (fs: FieldSpec, gvk: Gvk): boolean => gvkSelected(gvk, fs);

/**
 * Calls `visit(holder, key)` for every place `path` reaches in `node`, stepping into every item
 * of a list met on the way. With `create`, missing maps on the way are made (never lists).
 */
export const walkPath = (
  node: unknown,
  segments: readonly string[],
  create: boolean,
  visit: (holder: Record<string, unknown>, key: string) => void,
): void => {
  if (Array.isArray(node)) {
    for (const item of node) walkPath(item, segments, create, visit);
    return;
  }
  if (!isMap(node) || segments.length === 0) return;
  const [first, ...rest] = segments as [string, ...string[]];
  const key = first.endsWith('[]') ? first.slice(0, -2) : first;
  // A key=value segment selects list items, e.g. "containers/[name=app]": kept simple here.
  if (rest.length === 0) {
    if (key in node || create) visit(node, key);
    return;
  }
  let next = node[key];
  if (next === undefined || next === null) {
    if (!create || first.endsWith('[]')) return;
    next = {};
    node[key] = next;
  }
  walkPath(next, rest, create, visit);
};

const specKey = (fs: FieldSpec): string =>
  `${fs.path}|${fs.group ?? ''}|${fs.version ?? ''}|${fs.kind ?? ''}`;

/** Union of two field-spec lists; a duplicate that creates wins over one that does not. */
export const mergeFieldSpecs = (base: readonly FieldSpec[], extra: readonly FieldSpec[]): FieldSpec[] => {
  const out = [...base];
  if (extra.length === 0 || extra === base) return out;
  const index = new Map(out.map((fs, i) => [specKey(fs), i]));
  for (const fs of extra) {
    const same = index.get(specKey(fs));
    if (same === undefined) {
      index.set(specKey(fs), out.length);
      out.push(fs);
    } else if (fs.create && !out[same]?.create) out[same] = fs;
  }
  return out;
};
