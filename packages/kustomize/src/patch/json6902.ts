import { KustomizeError } from '../errors.ts';
import { isMap } from '../model/types.ts';

export type JsonOp = { op: string; path: string; value?: unknown; from?: string };

const decodePointer = (pointer: string, where: string): string[] => {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new KustomizeError(`JSON patch path '${pointer}' must start with '/'`, where);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
};

const parentOf = (
  doc: unknown,
  parts: string[],
  pointer: string,
  where: string,
): { parent: unknown; key: string } => {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isMap(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined)
      throw new KustomizeError(`JSON patch path '${pointer}' does not exist in the target`, where);
  }
  return { parent: cur, key: parts[parts.length - 1] ?? '' };
};

const index = (arr: unknown[], key: string, pointer: string, where: string, forAdd: boolean): number => {
  if (forAdd && key === '-') return arr.length;
  const i = Number(key);
  if (!/^\d+$/.test(key) || i > arr.length || (!forAdd && i >= arr.length)) {
    throw new KustomizeError(`JSON patch path '${pointer}': index ${key} is out of range`, where);
  }
  return i;
};

const get = (doc: unknown, pointer: string, where: string): unknown => {
  let cur = doc;
  for (const p of decodePointer(pointer, where)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isMap(cur) && p in cur) cur = cur[p];
    else cur = undefined;
    if (cur === undefined)
      throw new KustomizeError(`JSON patch path '${pointer}' does not exist in the target`, where);
  }
  return cur;
};

const remove = (doc: unknown, pointer: string, where: string): unknown => {
  const parts = decodePointer(pointer, where);
  const { parent, key } = parentOf(doc, parts, pointer, where);
  if (Array.isArray(parent)) return parent.splice(index(parent, key, pointer, where, false), 1)[0];
  if (isMap(parent) && key in parent) {
    const old = parent[key];
    delete parent[key];
    return old;
  }
  throw new KustomizeError(`JSON patch cannot remove '${pointer}': it does not exist in the target`, where);
};

const add = (doc: unknown, pointer: string, value: unknown, where: string, replace: boolean): unknown => {
  const parts = decodePointer(pointer, where);
  if (parts.length === 0) return value;
  const { parent, key } = parentOf(doc, parts, pointer, where);
  if (Array.isArray(parent)) {
    const i = index(parent, key, pointer, where, !replace);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else if (isMap(parent)) {
    // Like the json-patch v4 library kustomize uses, replacing a missing key adds it.
    parent[key] = value;
  } else {
    throw new KustomizeError(`JSON patch path '${pointer}' does not exist in the target`, where);
  }
  return doc;
};

/** Applies RFC 6902 operations to `doc` (mutating it) and returns the result. */
export const applyJsonPatch = (doc: unknown, ops: readonly JsonOp[], where: string): unknown => {
  let out = doc;
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        out = add(out, op.path, structuredClone(op.value), where, false);
        break;
      case 'replace':
        out = add(out, op.path, structuredClone(op.value), where, true);
        break;
      case 'remove':
        remove(out, op.path, where);
        break;
      case 'move': {
        const v = remove(out, op.from ?? '', where);
        out = add(out, op.path, v, where, false);
        break;
      }
      case 'copy':
        out = add(out, op.path, structuredClone(get(out, op.from ?? '', where)), where, false);
        break;
      case 'test':
        if (JSON.stringify(get(out, op.path, where)) !== JSON.stringify(op.value)) {
          throw new KustomizeError(`JSON patch test failed at '${op.path}'`, where);
        }
        break;
      default:
        throw new KustomizeError(`unknown JSON patch operation '${op.op}'`, where);
    }
  }
  return out;
};

export const toJsonOps = (v: unknown, where: string): JsonOp[] => {
  if (!Array.isArray(v)) throw new KustomizeError('a JSON 6902 patch must be a list of operations', where);
  return v.map((o) => {
    if (!isMap(o) || typeof o.op !== 'string' || typeof o.path !== 'string') {
      throw new KustomizeError("each JSON 6902 operation needs 'op' and 'path'", where);
    }
    const op: JsonOp = { op: o.op, path: o.path };
    if ('value' in o) op.value = o.value;
    if (typeof o.from === 'string') op.from = o.from;
    return op;
  });
};
