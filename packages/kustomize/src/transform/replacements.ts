import { KustomizeError } from '../errors.ts';
import type { Loader } from '../io/loader.ts';
import { parseYamlDocuments } from '../io/yaml.ts';
import type { Selector } from '../kustomization/types.ts';
import { gvkSelected, isClusterScoped, nsEquals, type ResId } from '../model/resid.ts';
import type { Resource } from '../model/resource.ts';
import { isMap } from '../model/types.ts';
import { idMatcher, parseLabelSelector } from '../patch/selector.ts';

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
  // kustomize splits the target's text, and a field it just created is "": one empty part, so
  // adding at index -1 to nothing gives "value," as the binary writes it.
  const text =
    current === undefined || current === null || typeof current === 'object' ? '' : String(current);
  const parts = text.split(o.delimiter);
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

// A source is chosen by exact values (kustomize's ResId.IsSelectedBy), against the object's current
// id or any it had before a rename: a base's name still selects it under an overlay's prefix.
const sourceSelects = (sel: Selector, id: ResId): boolean =>
  (!sel.name || sel.name === id.name) &&
  (!sel.namespace ||
    (isClusterScoped(id) ? sel.namespace === id.namespace : nsEquals(sel.namespace, id.namespace))) &&
  gvkSelected(id, {
    ...(sel.group ? { group: sel.group } : {}),
    ...(sel.version ? { version: sel.version } : {}),
    ...(sel.kind ? { kind: sel.kind } : {}),
  });

const hasIdFields = (sel: Selector): boolean =>
  Boolean(sel.group || sel.version || sel.kind || sel.name || sel.namespace);

const metadataMatches = (res: Resource, sel: Selector, file: string): boolean =>
  (!sel.labelSelector || parseLabelSelector(sel.labelSelector, file)(res.labels())) &&
  (!sel.annotationSelector || parseLabelSelector(sel.annotationSelector, file)(res.annotations()));

/** kustomize's target choice: selected by any of its ids and its labels, rejected by any id or labels. */
const selectTargets = (resources: Resource[], t: Record<string, unknown>, file: string): Resource[] => {
  const select = selector(t.select);
  const selects = idMatcher(select, file);
  const rejects = (Array.isArray(t.reject) ? t.reject.map(selector) : []).map((sel) => ({
    sel,
    matches: idMatcher(sel, file),
  }));
  return resources.filter((res) => {
    if (!metadataMatches(res, select, file)) return false;
    const ids = res.allIds();
    for (const { sel, matches } of rejects) {
      const byMetadata = Boolean(sel.labelSelector || sel.annotationSelector);
      if (byMetadata && metadataMatches(res, sel, file)) return false;
      if (hasIdFields(sel) && ids.some(matches)) return false;
    }
    return ids.some(selects);
  });
};

const one = (resources: Resource[], r: Record<string, unknown>, file: string): void => {
  const source = isMap(r.source) ? r.source : undefined;
  if (!source) throw new KustomizeError("each replacement needs a 'source'", file);
  const sourceSelector = selector(source);
  const matches = resources.filter((res) => res.allIds().some((id) => sourceSelects(sourceSelector, id)));
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
    if (!isMap(t.select)) throw new KustomizeError('each replacement target needs a select', file);
    const selected = selectTargets(resources, t, file);
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
