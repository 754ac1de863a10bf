import { fieldSpecSelects, splitPath, walkPath } from '../config/field-spec.ts';
import type { FieldSpec } from '../kustomization/types.ts';
import type { Resource } from '../model/resource.ts';
import { isMap } from '../model/types.ts';

/** Adds `pairs` to every string map the field specs reach in `res` (labels, annotations, selectors). */
export const addToMaps = (
  res: Resource,
  specs: readonly FieldSpec[],
  pairs: Record<string, string>,
): void => {
  const gvk = res.gvk;
  for (const fs of specs) {
    if (!fieldSpecSelects(fs, gvk)) continue;
    walkPath(res.obj, splitPath(fs.path), fs.create === true, (holder, key) => {
      let target = holder[key];
      if (!isMap(target)) {
        if (target !== undefined && target !== null) return;
        if (!fs.create && key in holder === false) return;
        target = {};
        holder[key] = target;
      }
      Object.assign(target as Record<string, unknown>, pairs);
    });
  }
};

/** Calls `update` on every scalar the field specs reach; a returned value replaces it. */
export const updateScalars = (
  res: Resource,
  specs: readonly FieldSpec[],
  update: (value: unknown) => unknown,
  options: { create?: boolean } = {},
): void => {
  const gvk = res.gvk;
  for (const fs of specs) {
    if (!fieldSpecSelects(fs, gvk)) continue;
    const create = options.create ?? fs.create === true;
    walkPath(res.obj, splitPath(fs.path), create, (holder, key) => {
      const current = holder[key];
      if (Array.isArray(current)) {
        for (let i = 0; i < current.length; i++) {
          const next = update(current[i]);
          if (next !== undefined) current[i] = next;
        }
        return;
      }
      if (isMap(current)) return;
      const next = update(current);
      if (next !== undefined) holder[key] = next;
    });
  }
};
