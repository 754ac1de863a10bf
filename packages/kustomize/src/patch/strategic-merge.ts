import { isMap } from '../model/types.ts';
import { type FieldMergeInfo, fieldInfo, typeForObject } from '../schema/merge-schema.ts';

/**
 * kustomize's strategic merge (kyaml merge2 with list prepend): maps merge field by field, a
 * null deletes, lists merge by the schema's merge keys when the schema says so and are replaced
 * otherwise; `$patch: delete|replace|merge` directives apply to maps and lists. The schema is
 * the builtin Kubernetes one, or the build's custom `openapi` document.
 * Returns the merged object, or null when the patch deletes it.
 */
export const strategicMerge = (
  dest: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> | null => {
  const type =
    typeForObject(patch.apiVersion ?? dest.apiVersion, patch.kind ?? dest.kind) ??
    typeForObject(dest.apiVersion, dest.kind);
  return mergeMap(dest, patch, type);
};

// kyaml's merge knows only `$patch`; `$setElementOrder/…`, `$retainKeys` and
// `$deleteFromPrimitiveList/…` (kubectl's apply directives) are kept as ordinary fields, as
// `kustomize build` prints them.
const isDirectiveKey = (k: string): boolean => k === '$patch';

const isAssociative = (info: FieldMergeInfo | undefined): boolean =>
  info?.strategy?.split(',').includes('merge') === true;

const isListDirective = (e: unknown): boolean =>
  isMap(e) && Object.keys(e).length === 1 && typeof e.$patch === 'string';

/**
 * Copies a patch value that lands where there is nothing to merge with, as kyaml does: maps
 * lose their `$patch` key, lists merged by key lose their directive elements (and elements
 * marked `$patch: delete`); any other list is kept as written, directives included.
 */
const clean = (v: unknown, type: string | undefined, info?: FieldMergeInfo): unknown => {
  if (Array.isArray(v)) {
    if (!isAssociative(info)) return v;
    return v
      .filter((e) => !isListDirective(e) && !(isMap(e) && e.$patch === 'delete'))
      .map((e) => clean(e, info?.type));
  }
  if (isMap(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v))
      if (!isDirectiveKey(k)) out[k] = clean(val, fieldInfo(type, k)?.type, fieldInfo(type, k));
    return out;
  }
  return v;
};

const mergeMap = (
  dest: Record<string, unknown>,
  patch: Record<string, unknown>,
  type: string | undefined,
): Record<string, unknown> | null => {
  const directive = patch.$patch;
  if (directive === 'delete') return null;
  if (directive === 'replace') return clean(patch, type) as Record<string, unknown>;
  for (const [key, pv] of Object.entries(patch)) {
    if (isDirectiveKey(key)) continue;
    if (pv === null) {
      delete dest[key];
      continue;
    }
    const info = fieldInfo(type, key);
    const dv = dest[key];
    if (isMap(pv)) {
      if (!isMap(dv)) {
        if (pv.$patch !== 'delete') dest[key] = clean(pv, info?.type);
        continue;
      }
      const merged = mergeMap(dv, pv, info?.type);
      if (merged === null) delete dest[key];
      else dest[key] = merged;
    } else if (Array.isArray(pv)) {
      const merged = mergeList(Array.isArray(dv) ? dv : undefined, pv, info);
      if (merged === null) delete dest[key];
      else dest[key] = merged;
    } else {
      dest[key] = pv;
    }
  }
  return dest;
};

const listDirective = (patch: unknown[]): string | undefined => {
  for (const e of patch)
    if (isMap(e) && typeof e.$patch === 'string' && Object.keys(e).length === 1) return e.$patch;
  return undefined;
};

// An element's values for the merge keys, "" where a key is absent (as kyaml reads them).
const keyValues = (e: unknown, keys: readonly string[]): string[] =>
  keys.map((k) => {
    if (!isMap(e)) return '';
    const v = e[k];
    return v === undefined || v === null || v === '' ? '' : String(v);
  });

const sameTuple = (a: readonly string[], b: readonly string[]): boolean => a.every((v, i) => v === b[i]);

// kyaml's "match": equal where both are set, and at least one value shared.
const compatible = (a: string[], b: string[]): string[] | undefined => {
  let common = false;
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) {
      common = true;
      out.push(x);
    } else if (x !== '' && y !== '') return undefined;
    else out.push(x !== '' ? x : y);
  }
  return common ? out : undefined;
};

/** The element whose fields equal every non-empty value (kyaml's ElementList). */
const findElement = (
  list: readonly unknown[],
  keys: readonly string[],
  values: readonly string[],
): number => {
  const used = keys.map((k, i) => [k, values[i] as string] as const).filter(([, v]) => v !== '');
  const pairs = used.length ? used : keys.map((k, i) => [k, values[i] as string] as const);
  return list.findIndex(
    (e) => isMap(e) && pairs.every(([k, v]) => e[k] !== undefined && e[k] !== null && String(e[k]) === v),
  );
};

// kyaml's ElementSetter matching: zipped keys/values, a field that exists matches an empty value.
const setterMatches = (e: unknown, keys: readonly string[], values: readonly string[]): boolean => {
  if (!isMap(e) || values.length === 0) return false;
  for (let j = 0; j < Math.min(keys.length, values.length); j++) {
    const f = e[keys[j] as string];
    if (f === undefined || f === null) return false;
    if (values[j] !== '' && String(f) !== values[j]) return false;
  }
  return true;
};

/** Replaces every element matching keys/values with `element` (or removes them), appending when none matched. */
const setElement = (
  list: unknown[],
  keys: readonly string[],
  values: readonly string[],
  element: unknown,
): unknown[] => {
  const out: unknown[] = [];
  let found = false;
  for (const e of list) {
    if (e === null || e === undefined || (isMap(e) && Object.keys(e).length === 0)) continue;
    if (!isMap(e)) {
      out.push(e);
      continue;
    }
    if (!setterMatches(e, keys, values)) {
      out.push(e);
      continue;
    }
    found = true;
    if (element !== undefined) out.push(element);
  }
  if (!found && element !== undefined) out.push(element);
  return out;
};

/**
 * kyaml's associative list merge with list prepend, reproduced step by step because its
 * results for partly-keyed elements (a port with and without a protocol) are what users get.
 */
const mergeAssociative = (
  dest: unknown[],
  patch: unknown[],
  keys: readonly string[],
  type: string | undefined,
): unknown[] => {
  let valuesList: string[][] = [];
  for (const e of [...patch, ...dest]) {
    const t = keyValues(e, keys);
    if (!valuesList.some((o) => sameTuple(o, t))) valuesList.push(t);
  }
  if (keys.length > 1) {
    valuesList = valuesList.map((v) => [...v]);
    for (let i = 0; i < valuesList.length; i++) {
      for (let j = 0; j < valuesList.length; j++) {
        const merged = compatible(valuesList[i] as string[], valuesList[j] as string[]);
        if (merged) {
          valuesList[i] = merged;
          valuesList[j] = [...merged];
        }
      }
    }
  }
  const validKeySet = new Set(keys.filter((_, i) => valuesList.some((v) => v[i] !== '')));
  const validIdx = validKeySet.size
    ? keys.map((k, i) => (validKeySet.has(k) ? i : -1)).filter((i) => i >= 0)
    : keys.map((_, i) => i);
  const validKeys = validIdx.map((i) => keys[i] as string);
  let destList = [...dest];
  let items: unknown[] = [];
  for (const values of valuesList) {
    const validValues = validIdx.map((i) => values[i] as string);
    const di = findElement(destList, validKeys, validValues);
    const pi = findElement(patch, validKeys, validValues);
    const de = di >= 0 ? destList[di] : undefined;
    const pe = pi >= 0 ? patch[pi] : undefined;
    let val: unknown;
    if (pe === undefined) val = de;
    else if (!isMap(de) || !isMap(pe))
      val = isMap(pe) && pe.$patch === 'delete' ? undefined : clean(pe, type);
    else val = mergeMap(de, pe, type) ?? undefined;
    if (val === undefined || (isMap(val) && Object.keys(val).length === 0)) {
      destList = setElement(destList, validKeys, validValues, undefined);
      continue;
    }
    if (isMap(val))
      validKeys.forEach((k, i) => {
        if (val[k] === undefined && validValues[i] !== '') val[k] = validValues[i];
      });
    items = setElement(items, validKeys, validValues, val);
  }
  // Prepend: the merged items first, then the destination's elements set into them.
  for (const e of destList) {
    const v: string[] = [];
    for (const k of validKeys) {
      if (!isMap(e) || e[k] === undefined || e[k] === null) {
        items.push(e);
        continue;
      }
      v.push(String(e[k]));
    }
    if (validKeys.length > 1) items = setElement(items, validKeys, v, undefined);
    items = setElement(items, validKeys, v, e);
  }
  // A list whose every element a patch deleted stays, empty (kyaml drops only a null list).
  return items;
};

const mergeList = (
  dest: unknown[] | undefined,
  patch: unknown[],
  info: FieldMergeInfo | undefined,
): unknown[] | null => {
  // A list without merge rules is replaced by the patch's list exactly as written.
  if (!isAssociative(info)) return patch;
  if (dest === undefined) {
    // kyaml keeps only a directive element when the destination has no such list.
    const directives = patch.filter(isListDirective);
    return directives.length ? directives : (clean(patch, undefined, info) as unknown[]);
  }
  const directive = listDirective(patch);
  if (directive === 'delete') return null;
  if (directive === 'replace') return clean(patch, undefined, info) as unknown[];
  const items = patch.filter((e) => !isListDirective(e));

  if (!info?.mergeKey) {
    // A list of scalars with strategy merge is a set union; patch values come first.
    const out: unknown[] = [];
    for (const v of [...items, ...dest]) if (!out.some((o) => o === v)) out.push(v);
    return out;
  }
  return mergeAssociative(dest, items, info.mapKeys ?? [info.mergeKey], info.type);
};
