import { fieldSpecSelects, splitPath, walkPath } from '../config/field-spec.ts';
import { KustomizeError } from '../errors.ts';
import type { FieldSpec, Var } from '../kustomization/types.ts';
import { gvkOf, isClusterScoped, nsEquals } from '../model/resid.ts';
import type { Resource } from '../model/resource.ts';
import { isMap } from '../model/types.ts';

/** Records which resource each var reads (kustomize's MergeVars). */
export const bindVars = (
  resources: readonly Resource[],
  known: Var[],
  incoming: readonly Var[],
  file: string,
): void => {
  for (const v of incoming) {
    if (known.some((k) => k.name === v.name))
      throw new KustomizeError(`var '${v.name}' already encountered`, file);
    const ref = v.objref ?? {};
    const gvk = ref.apiVersion
      ? gvkOf(ref.apiVersion, ref.kind)
      : { group: ref.group ?? '', version: ref.version ?? '', kind: ref.kind ?? '' };
    const withNs = Boolean(ref.namespace) || isClusterScoped(gvk);
    const matched = resources.filter((r) =>
      r
        .allIds()
        .some(
          (id) =>
            id.group === gvk.group &&
            id.version === gvk.version &&
            id.kind === gvk.kind &&
            id.name === ref.name &&
            (!withNs || nsEquals(id.namespace, ref.namespace ?? '')),
        ),
    );
    if (matched.length > 1)
      throw new KustomizeError(
        `found ${matched.length} resources for var '${v.name}' (unable to disambiguate)`,
        file,
      );
    matched[0]?.refVarNames.push(v.name);
    known.push(v);
  }
};

/** Reads "a.b[0].c" from an object. */
export const getFieldValue = (obj: unknown, fieldPath: string): unknown => {
  let cur = obj;
  for (const part of fieldPath.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    const key = m?.[1] ?? part;
    if (key) cur = isMap(cur) ? cur[key] : undefined;
    for (const idx of (m?.[2] ?? '').matchAll(/\[(\d+)\]/g))
      cur = Array.isArray(cur) ? cur[Number(idx[1])] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
};

const expand = (input: string, values: Map<string, unknown>, used: Set<string>): unknown => {
  const whole = /^\$\(([^)]*)\)$/.exec(input);
  if (whole && values.has(whole[1] as string)) {
    used.add(whole[1] as string);
    return values.get(whole[1] as string);
  }
  return input.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    if (name !== undefined && values.has(name)) {
      used.add(name);
      return String(values.get(name));
    }
    return match;
  });
};

/** Replaces $(VAR) in the fields kustomize's varReference lists. */
export const resolveVars = (
  resources: readonly Resource[],
  vars: readonly Var[],
  specs: readonly FieldSpec[],
): void => {
  if (vars.length === 0) return;
  const values = new Map<string, unknown>();
  for (const v of vars) {
    const res = resources.find((r) => r.refVarNames.includes(v.name));
    if (!res)
      throw new KustomizeError(`var '${v.name}' cannot be mapped to a field in the set of known resources`);
    const path = v.fieldref?.fieldpath || 'metadata.name';
    const value = getFieldValue(res.obj, path);
    if (value === undefined)
      throw new KustomizeError(`field '${path}' specified in var '${v.name}' not found in its resource`);
    values.set(v.name, value);
  }
  const used = new Set<string>();
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return expand(value, values, used);
    if (Array.isArray(value)) return value.map(visit);
    if (isMap(value)) {
      for (const [k, v] of Object.entries(value)) value[k] = visit(v);
      return value;
    }
    return value;
  };
  for (const res of resources) {
    for (const fs of specs) {
      if (!fieldSpecSelects(fs, res.gvk)) continue;
      walkPath(res.obj, splitPath(fs.path), false, (holder, key) => {
        if (key in holder) holder[key] = visit(holder[key]);
      });
    }
  }
};
