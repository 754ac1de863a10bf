import { KustomizeError } from '../errors.ts';
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

/**
 * kustomize's FsSlice merge: each spec of `extra` is added unless `base` already has one for the
 * same path that it selects (same or narrower group/version/kind). So a custom
 * `{kind: Foo, path: metadata/name}` listed first keeps the builtin `{path: metadata/name}` out,
 * while the builtin listed first lets the custom one in beside it (and both apply). Specs that
 * agree on all that but not on `create` conflict: kustomize fails (`conflicts: 'error'`); the
 * per-call lists of `labels` keep the one that creates.
 */
export const mergeFieldSpecs = (
  base: readonly FieldSpec[],
  extra: readonly FieldSpec[],
  conflicts: 'error' | 'create-wins' = 'create-wins',
): FieldSpec[] => {
  const out = [...base];
  if (extra.length === 0 || extra === base) return out;
  const byPath = new Map<string, number[]>();
  for (const [i, fs] of out.entries()) {
    const list = byPath.get(fs.path);
    if (list) list.push(i);
    else byPath.set(fs.path, [i]);
  }
  for (const fs of extra) {
    const samePath = byPath.get(fs.path) ?? [];
    const same = samePath.find((i) => gvkSelected(specGvk(out[i] as FieldSpec), fs));
    if (same === undefined) {
      byPath.set(fs.path, [...samePath, out.length]);
      out.push(fs);
      continue;
    }
    const existing = out[same] as FieldSpec;
    if ((existing.create === true) === (fs.create === true)) continue;
    if (conflicts === 'error')
      throw new KustomizeError(
        `conflicting fieldspecs for path '${fs.path}': one creates the field and one does not`,
      );
    if (fs.create) out[same] = fs;
  }
  return out;
};

const specGvk = (fs: FieldSpec): Gvk => ({
  group: fs.group ?? '',
  version: fs.version ?? '',
  kind: fs.kind ?? '',
});
