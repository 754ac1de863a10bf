// Derives the strategic-merge data (list merge keys and patch strategies) from the
// Kubernetes apiserver's OpenAPI v2 document, so that the merge rules are never typed by hand.
// Usage: node scripts/generate-merge-keys.ts [path/to/swagger.json]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const defaultSwagger = '/root/go/pkg/mod/k8s.io/kubernetes@v1.36.3/api/openapi-spec/swagger.json';
const swaggerPath = process.argv[2] ?? defaultSwagger;
const outPath = path.join(import.meta.dirname, '../src/schema/merge-keys.generated.json');

type Prop = {
  $ref?: string;
  type?: string;
  items?: Prop;
  additionalProperties?: Prop;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-map-keys'?: string[];
};
type Def = {
  properties?: Record<string, Prop>;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
};

const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8')) as { definitions: Record<string, Def> };
const defs = swagger.definitions;
const shortName = (ref: string): string => ref.replace('#/definitions/', '');

// Field entry: [typeName or "", flags]; flags: l = list, m = map of, key=..., strategy=...
type Field = { t?: string; l?: 1; m?: 1; k?: string; s?: string; mk?: string[] };
const types: Record<string, Record<string, Field>> = {};
const visit = (name: string): void => {
  if (name in types) return;
  const def = defs[name];
  types[name] = {};
  const fields: Record<string, Field> = {};
  for (const [field, prop] of Object.entries(def?.properties ?? {})) {
    const f: Field = {};
    let target = prop;
    if (prop.type === 'array' && prop.items) {
      f.l = 1;
      target = prop.items;
    } else if (prop.type === 'object' && prop.additionalProperties) {
      f.m = 1;
      target = prop.additionalProperties;
    }
    if (target.$ref) {
      const ref = shortName(target.$ref);
      // Leaf types with no structure (Quantity, Time, IntOrString) carry nothing to merge.
      if (defs[ref]?.properties) {
        f.t = ref;
        visit(ref);
      }
    }
    if (prop['x-kubernetes-patch-merge-key']) f.k = prop['x-kubernetes-patch-merge-key'];
    if (prop['x-kubernetes-patch-strategy']) f.s = prop['x-kubernetes-patch-strategy'];
    const mapKeys = prop['x-kubernetes-list-map-keys'];
    if (f.k && mapKeys && mapKeys.length > 1) f.mk = mapKeys;
    if (f.t || f.k || f.s) fields[field] = f;
  }
  types[name] = fields;
};

const kinds: Record<string, string> = {};
for (const [name, def] of Object.entries(defs)) {
  for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    kinds[`${apiVersion}/${gvk.kind}`] = name;
    visit(name);
  }
}
// Drop types that hold nothing to merge, so the file stays small.
const pruned: Record<string, Record<string, Field>> = {};
const useful = new Map<string, boolean>();
const isUseful = (name: string, stack: Set<string>): boolean => {
  const known = useful.get(name);
  if (known !== undefined) return known;
  if (stack.has(name)) return false;
  stack.add(name);
  let result = false;
  for (const f of Object.values(types[name] ?? {})) {
    if (f.k || f.s || (f.t && isUseful(f.t, stack))) result = true;
  }
  stack.delete(name);
  useful.set(name, result);
  return result;
};
for (const name of Object.keys(types)) {
  if (!isUseful(name, new Set())) continue;
  const fields: Record<string, Field> = {};
  for (const [field, f] of Object.entries(types[name] ?? {})) {
    const keep: Field = { ...f };
    if (keep.t && !isUseful(keep.t, new Set())) delete keep.t;
    if (keep.t || keep.k || keep.s) fields[field] = keep;
  }
  pruned[name] = fields;
}
const usefulKinds: Record<string, string> = {};
for (const [k, v] of Object.entries(kinds)) if (pruned[v]) usefulKinds[k] = v;
// Scope comes from the API paths: a kind served under /namespaces/{namespace}/ is namespaced.
type Op = { 'x-kubernetes-group-version-kind'?: { group: string; kind: string } };
const paths = (JSON.parse(readFileSync(swaggerPath, 'utf8')) as { paths: Record<string, Record<string, Op>> })
  .paths;
const namespaced = new Set<string>();
const seen = new Set<string>();
for (const [urlPath, ops] of Object.entries(paths)) {
  for (const op of Object.values(ops)) {
    const gvk = op['x-kubernetes-group-version-kind'];
    if (!gvk || typeof gvk !== 'object') continue;
    const key = `${gvk.group}/${gvk.kind}`;
    seen.add(key);
    if (urlPath.includes('/namespaces/{namespace}/')) namespaced.add(key);
  }
}
const clusterScoped = [...seen].filter((k) => !namespaced.has(k)).sort();
writeFileSync(
  outPath,
  `${JSON.stringify({ source: path.basename(swaggerPath), clusterScoped, kinds: usefulKinds, types: pruned })}\n`,
);
console.log(
  `wrote ${outPath}: ${Object.keys(usefulKinds).length} kinds, ${Object.keys(pruned).length} types`,
);
