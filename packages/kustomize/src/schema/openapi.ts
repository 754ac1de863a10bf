import { KustomizeError } from '../errors.ts';
import { isMap } from '../model/types.ts';
import type { MergeSchema, RawField } from './merge-schema.ts';

const refName = (ref: unknown): string | undefined => {
  if (typeof ref !== 'string') return undefined;
  const m = /^#\/(?:definitions|components\/schemas)\/(.+)$/.exec(ref);
  return m ? m[1] : undefined;
};

/**
 * Reads the merge rules of a custom OpenAPI document (kustomize's `openapi: {path}`): Swagger 2
 * `definitions` (or OpenAPI 3 `components.schemas`), kinds from `x-kubernetes-group-version-kind`,
 * and per field `x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key` and
 * `x-kubernetes-list-map-keys`. Nested schemas may be `$ref`s or written inline.
 */
export const schemaFromOpenApi = (doc: unknown, file: string): MergeSchema => {
  const defs = isMap(doc)
    ? isMap(doc.definitions)
      ? doc.definitions
      : isMap(doc.components) && isMap(doc.components.schemas)
        ? doc.components.schemas
        : undefined
    : undefined;
  if (!defs) {
    throw new KustomizeError(
      "the openapi document has no 'definitions' (Swagger 2) or 'components.schemas' (OpenAPI 3)",
      file,
    );
  }
  const types: MergeSchema['types'] = {};
  const kinds: MergeSchema['kinds'] = {};

  // Registers the fields of one schema under `name`; returns the name when it has properties.
  const visit = (name: string, schema: unknown): string | undefined => {
    if (!isMap(schema)) return undefined;
    const ref = refName(schema.$ref);
    // A definition the document refers to without holding it may come from the builtin schema
    // (kustomize merges the two in some builds, see merge-schema.ts), so the name is kept.
    if (ref !== undefined) return ref;
    if (!isMap(schema.properties)) return undefined;
    if (name in types) return name;
    const fields: Record<string, RawField> = {};
    types[name] = fields;
    for (const [field, prop] of Object.entries(schema.properties)) {
      if (!isMap(prop)) continue;
      const f: RawField = {};
      let target: unknown = prop;
      if (prop.type === 'array' && isMap(prop.items)) {
        f.l = 1;
        target = prop.items;
      } else if (prop.type === 'object' && isMap(prop.additionalProperties)) {
        f.m = 1;
        target = prop.additionalProperties;
      }
      const t = visit(`${name}.${field}`, target);
      if (t !== undefined) f.t = t;
      const key = prop['x-kubernetes-patch-merge-key'];
      const strategy = prop['x-kubernetes-patch-strategy'];
      const mapKeys = prop['x-kubernetes-list-map-keys'];
      if (typeof key === 'string' && key) f.k = key;
      if (typeof strategy === 'string' && strategy) f.s = strategy;
      if (f.k && Array.isArray(mapKeys) && mapKeys.length > 1) f.mk = mapKeys.map(String);
      if (f.t !== undefined || f.k !== undefined || f.s !== undefined) fields[field] = f;
    }
    return name;
  };

  for (const [name, def] of Object.entries(defs)) {
    visit(name, def);
    const gvks = isMap(def) ? def['x-kubernetes-group-version-kind'] : undefined;
    for (const gvk of Array.isArray(gvks) ? gvks : []) {
      if (!isMap(gvk) || typeof gvk.kind !== 'string' || typeof gvk.version !== 'string') continue;
      const group = typeof gvk.group === 'string' ? gvk.group : '';
      kinds[`${group ? `${group}/` : ''}${gvk.version}/${gvk.kind}`] = name;
    }
  }
  return { types, kinds };
};
