import { KustomizeError } from '../errors.ts';
import type { Selector } from '../kustomization/types.ts';
import type { ResId } from '../model/resid.ts';
import type { Resource } from '../model/resource.ts';
import { isMap, type KObject } from '../model/types.ts';

const anchored = (pattern: string | undefined, field: string, file: string): RegExp | undefined => {
  if (pattern === undefined || pattern === '') return undefined;
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new KustomizeError(`target.${field} '${pattern}' is not a valid regular expression`, file);
  }
};

/** Parses "a=b,c!=d,e in (x,y),f" into a predicate over a label map. */
export const parseLabelSelector = (
  selector: string,
  file: string,
): ((labels: Record<string, unknown>) => boolean) => {
  const terms: ((l: Record<string, unknown>) => boolean)[] = [];
  const parts = selector.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = list.split(',').map((s) => s.trim());
      terms.push((l) =>
        op === 'in'
          ? key in l && values.includes(String(l[key]))
          : !(key in l) || !values.includes(String(l[key])),
      );
      continue;
    }
    m = /^([\w./-]+)\s*(==|!=|=)\s*([\w./-]*)$/.exec(part);
    if (m) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      terms.push((l) =>
        op === '!=' ? String(l[key] ?? '') !== value || !(key in l) : key in l && String(l[key]) === value,
      );
      continue;
    }
    m = /^(!?)([\w./-]+)$/.exec(part);
    if (m) {
      const [, not, key] = m as unknown as [string, string, string];
      terms.push((l) => (not ? !(key in l) : key in l));
      continue;
    }
    throw new KustomizeError(`cannot parse selector '${selector}'`, file);
  }
  return (labels) => terms.every((t) => t(labels));
};

/** kustomize's ResMap.Select: names and namespaces match the original or the current id. */
export const selectResources = (resources: readonly Resource[], sel: Selector, file: string): Resource[] => {
  const name = anchored(sel.name, 'name', file);
  const ns = anchored(sel.namespace, 'namespace', file);
  const group = anchored(sel.group, 'group', file);
  const version = anchored(sel.version, 'version', file);
  const kind = anchored(sel.kind, 'kind', file);
  const labels = sel.labelSelector ? parseLabelSelector(sel.labelSelector, file) : undefined;
  const annotations = sel.annotationSelector ? parseLabelSelector(sel.annotationSelector, file) : undefined;
  return resources.filter((r) => {
    const cur = r.curId();
    const org = r.orgId();
    if (ns && !ns.test(org.namespace || 'default') && !ns.test(cur.namespace || 'default')) return false;
    if (name && !name.test(org.name) && !name.test(cur.name)) return false;
    if (group && !group.test(cur.group)) return false;
    if (version && !version.test(cur.version)) return false;
    if (kind && !kind.test(cur.kind)) return false;
    if (labels && !labels(r.labels())) return false;
    if (annotations && !annotations(r.annotations())) return false;
    return true;
  });
};

/**
 * Whether one object matches a target selector, as a patch target would select it: group,
 * version, kind, name and namespace are anchored regular expressions, labels and annotations
 * take selector expressions. For callers that select among built objects (drift ignore rules).
 */
export const objectMatchesSelector = (obj: KObject, sel: Selector, file = 'target'): boolean => {
  const meta = isMap(obj.metadata) ? obj.metadata : {};
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const checks: [RegExp | undefined, string][] = [
    [anchored(sel.group, 'group', file), group],
    [anchored(sel.version, 'version', file), version],
    [anchored(sel.kind, 'kind', file), text(obj.kind)],
    [anchored(sel.name, 'name', file), text(meta.name)],
    [anchored(sel.namespace, 'namespace', file), text(meta.namespace) || 'default'],
  ];
  if (checks.some(([pattern, value]) => pattern !== undefined && !pattern.test(value))) return false;
  const labels = isMap(meta.labels) ? meta.labels : {};
  const annotations = isMap(meta.annotations) ? meta.annotations : {};
  if (sel.labelSelector && !parseLabelSelector(sel.labelSelector, file)(labels)) return false;
  if (sel.annotationSelector && !parseLabelSelector(sel.annotationSelector, file)(annotations)) return false;
  return true;
};

/**
 * kustomize's SelectorRegex over one id: group, version, kind, name and namespace (as written,
 * "" when unset) are anchored regular expressions; unset fields match anything.
 */
export const idMatcher = (sel: Selector, file: string): ((id: ResId) => boolean) => {
  const checks: [RegExp, keyof ResId][] = [];
  for (const field of ['group', 'version', 'kind', 'name', 'namespace'] as const) {
    const pattern = anchored(sel[field], field, file);
    if (pattern) checks.push([pattern, field]);
  }
  return (id) => checks.every(([pattern, field]) => pattern.test(id[field]));
};
