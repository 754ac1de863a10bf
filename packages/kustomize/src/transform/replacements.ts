import { KustomizeError } from '../errors.ts';
import type { Loader } from '../io/loader.ts';
import { parseYamlDocuments } from '../io/yaml.ts';
import type { Selector } from '../kustomization/types.ts';
import type { Resource } from '../model/resource.ts';
import { isMap } from '../model/types.ts';
import { selectResources } from '../patch/selector.ts';

type Options = { delimiter?: string; index?: number; create?: boolean };

/** Splits "a.b.[name=x.y].c" on dots outside brackets. */
export const splitFieldPath = (path: string): string[] => {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of path) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === '.' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.filter((s) => s !== '');
};

/** Every (holder, key) the path reaches; with `create`, missing maps and [k=v] items are made. */
const reach = (
  node: unknown,
  segments: string[],
  create: boolean,
  visit: (holder: Record<string, unknown> | unknown[], key: string | number) => void,
): void => {
  const [seg, ...rest] = segments;
  if (seg === undefined) return;
  const last = rest.length === 0;
  const step = (
    holder: Record<string, unknown> | unknown[],
    key: string | number,
    makeNext: () => unknown,
  ): void => {
    if (last) {
      visit(holder, key);
      return;
    }
    let next = (holder as Record<string | number, unknown>)[key];
    if ((next === undefined || next === null) && create) {
      next = makeNext();
      (holder as Record<string | number, unknown>)[key] = next;
    }
    if (next !== undefined && next !== null) reach(next, rest, create, visit);
  };
  const nextIsList = rest[0]?.startsWith('[') || /^\d+$/.test(rest[0] ?? '');
  const make = (): unknown => (nextIsList ? [] : {});
  const m = /^\[([^=\]]+)=([^\]]*)\]$/.exec(seg);
  if (m) {
    if (!Array.isArray(node)) return;
    const [, field, value] = m as unknown as [string, string, string];
    let found = false;
    node.forEach((item, i) => {
      if (isMap(item) && String(item[field]) === value) {
        found = true;
        step(node, i, make);
      }
    });
    if (!found && create) {
      node.push({ [field]: value });
      step(node, node.length - 1, make);
    }
    return;
  }
  if (seg === '*') {
    if (Array.isArray(node)) for (let i = 0; i < node.length; i++) step(node, i, make);
    else if (isMap(node)) for (const k of Object.keys(node)) step(node, k, make);
    return;
  }
  if (Array.isArray(node)) {
    if (/^\d+$/.test(seg)) step(node, Number(seg), make);
    return;
  }
  if (!isMap(node)) return;
  if (!(seg in node) && !create) return;
  step(node, seg, make);
};

const partOf = (value: unknown, o: Options | undefined): unknown => {
  if (!o?.delimiter) return value;
  const parts = String(value).split(o.delimiter);
  return parts[o.index ?? 0] ?? '';
};

const withPart = (current: unknown, value: unknown, o: Options | undefined): unknown => {
  if (!o?.delimiter) return value;
  const parts = typeof current === 'string' ? current.split(o.delimiter) : [];
  const index = o.index ?? 0;
  if (index < 0) parts.unshift(String(value));
  else if (index >= parts.length) parts.push(String(value));
  else parts[index] = String(value);
  return parts.join(o.delimiter);
};

const selector = (v: unknown): Selector => {
  const s: Selector = {};
  if (!isMap(v)) return s;
  for (const f of [
    'group',
    'version',
    'kind',
    'name',
    'namespace',
    'labelSelector',
    'annotationSelector',
  ] as const) {
    if (typeof v[f] === 'string') s[f] = v[f] as string;
  }
  return s;
};

const one = (resources: Resource[], r: Record<string, unknown>, file: string): void => {
  const source = isMap(r.source) ? r.source : undefined;
  if (!source) throw new KustomizeError("each replacement needs a 'source'", file);
  const matches = selectResources(resources, selector(source), file);
  if (matches.length !== 1) {
    throw new KustomizeError(
      `replacement source ${JSON.stringify(selector(source))} selects ${matches.length} resources; it must select exactly one`,
      file,
    );
  }
  const fieldPath = typeof source.fieldPath === 'string' ? source.fieldPath : 'metadata.name';
  let value: unknown;
  reach((matches[0] as Resource).obj, splitFieldPath(fieldPath), false, (holder, key) => {
    value ??= (holder as Record<string | number, unknown>)[key];
  });
  if (value === undefined)
    throw new KustomizeError(`replacement source field '${fieldPath}' not found`, file);
  value = partOf(value, isMap(source.options) ? (source.options as Options) : undefined);
  const targets = Array.isArray(r.targets) ? r.targets.filter(isMap) : [];
  for (const t of targets) {
    const rejects = Array.isArray(t.reject) ? t.reject.map(selector) : [];
    const rejected = new Set(rejects.flatMap((s) => selectResources(resources, s, file)));
    const selected = selectResources(resources, selector(t.select), file).filter((res) => !rejected.has(res));
    const options = isMap(t.options) ? (t.options as Options) : undefined;
    const paths = Array.isArray(t.fieldPaths) ? t.fieldPaths.map(String) : ['metadata.name'];
    for (const res of selected) {
      for (const path of paths) {
        let hit = false;
        reach(res.obj, splitFieldPath(path), options?.create === true, (holder, key) => {
          hit = true;
          const h = holder as Record<string | number, unknown>;
          h[key] = withPart(h[key], structuredClone(value), options);
        });
        if (!hit && !path.includes('*') && !path.includes('[')) {
          throw new KustomizeError(
            `unable to find field '${path}' in replacement target ${res.kind}/${res.name}`,
            file,
          );
        }
      }
    }
  }
};

/** kustomize's ReplacementTransformer: copy one field of one object into fields of others. */
export const applyReplacements = (
  resources: Resource[],
  entries: readonly unknown[],
  loader: Loader,
  file: string,
): void => {
  for (const entry of entries) {
    if (!isMap(entry)) throw new KustomizeError('each replacement must be a mapping', file);
    if (typeof entry.path === 'string') {
      const f = loader.readFile(entry.path, 'replacement file');
      for (const doc of parseYamlDocuments(f.text, f.path)) {
        for (const r of Array.isArray(doc) ? doc : [doc]) if (isMap(r)) one(resources, r, f.path);
      }
    } else one(resources, entry, file);
  }
};
