import { fieldSpecSelects, splitPath, walkPath } from '../config/field-spec.ts';
import type { NameBackRef } from '../config/transformer-config.ts';
import { KustomizeError } from '../errors.ts';
import type { FieldSpec } from '../kustomization/types.ts';
import { type Gvk, gvkSelected, idString, isClusterScoped, nsEquals } from '../model/resid.ts';
import type { Resource } from '../model/resource.ts';
import { isMap } from '../model/types.ts';

type Sieve = (r: Resource) => boolean;

// True when the shorter list is the tail of the longer one (kustomize's SameEndingSubSlice).
const sameEnding = (a: readonly string[], b: readonly string[]): boolean => {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length === 0) return long.length === 0;
  const diff = long.length - short.length;
  return short.every((s, i) => long[i + diff] === s);
};

const prefixSuffixEquals =
  (referrer: Resource, allowEmpty: boolean): Sieve =>
  (r) => {
    if (allowEmpty) {
      const prefixOk =
        r.prefixes.length === 0 ||
        referrer.prefixes.length === 0 ||
        sameEnding(r.prefixes, referrer.prefixes);
      const suffixOk =
        r.suffixes.length === 0 ||
        referrer.suffixes.length === 0 ||
        sameEnding(r.suffixes, referrer.suffixes);
      return prefixOk && suffixOk;
    }
    return sameEnding(r.prefixes, referrer.prefixes) && sameEnding(r.suffixes, referrer.suffixes);
  };

const roleBindingNamespaces = (referrer: Resource): Set<string> => {
  const out = new Set<string>();
  if (referrer.kind !== 'RoleBinding' && referrer.kind !== 'ClusterRoleBinding') return out;
  const subjects = referrer.obj.subjects;
  if (!Array.isArray(subjects)) return out;
  for (const s of subjects) {
    if (!isMap(s) || !('namespace' in s)) continue;
    if (typeof s.namespace === 'string') out.add(s.namespace);
    else if (s.kind === 'ServiceAccount' && referrer.kind === 'RoleBinding') {
      // kustomize refuses it too: the subject's namespace cannot be told.
      throw new KustomizeError(
        `${idString(referrer.curId())}: subject ServiceAccount '${String(s.name)}' has a blank namespace; give it one or remove the field`,
      );
    }
  }
  return out;
};

/** Whether `referrer` may point at `r`: same namespace, cluster-scoped, or a RoleBinding subject's namespace. */
const mayReference = (referrer: Resource, extra: Set<string>, r: Resource): boolean => {
  const rid = referrer.curId();
  if (isClusterScoped(rid)) return true;
  const id = r.curId();
  return isClusterScoped(id) || nsEquals(id.namespace, rid.namespace) || extra.has(r.namespace);
};

const selectReferral = (
  referrer: Resource,
  fs: FieldSpec,
  target: Partial<Gvk>,
  oldName: string,
  all: Resource[],
  identical: (rs: Resource[]) => boolean,
): Resource | undefined => {
  let c = all.filter((r) => r.prevIds.some((id) => id.name === oldName));
  c = c.filter((r) => r.prevIds.some((id) => gvkSelected(id, target)));
  if (fs.path.endsWith('roleRef/name')) {
    const roleRef = referrer.obj.roleRef;
    if (isMap(roleRef) && typeof roleRef.kind === 'string') {
      const sel = { group: String(roleRef.apiGroup ?? ''), kind: roleRef.kind };
      c = c.filter((r) => r.prevIds.some((id) => gvkSelected(id, sel)));
    }
  }
  const rid = referrer.curId();
  if (!isClusterScoped(rid)) {
    c = c.filter(
      (r) =>
        isClusterScoped(r.curId()) || r.kind === 'ServiceAccount' || nsEquals(rid.namespace, r.namespace),
    );
  }
  if (c.length === 1) return c[0];
  c = c.filter(prefixSuffixEquals(referrer, true));
  if (c.length > 1) c = c.filter(prefixSuffixEquals(referrer, false));
  if (c.length <= 1) return c[0];
  if (identical(c)) return c[0];
  throw new KustomizeError(
    `found multiple possible referrals for '${oldName}' in ${idString(rid)} field ${fs.path}: ${c.map((r) => idString(r.curId())).join(', ')}`,
  );
};

const sameNames = (rs: Resource[]): boolean => rs.every((r) => r.name === rs[0]?.name);
const sameNamesAndNamespaces = (rs: Resource[]): boolean =>
  rs.every((r) => r.name === rs[0]?.name && r.namespace === rs[0]?.namespace);

/** After renames (prefix, suffix, hash), points every reference at the new name (kustomize's nameref). */
export const fixNameReferences = (resources: Resource[], backRefs: readonly NameBackRef[]): void => {
  // Only renamed objects can be referral targets; index them by their earlier names.
  const byPrevName = new Map<string, Resource[]>();
  for (const r of resources) {
    for (const name of new Set(r.prevIds.map((id) => id.name))) {
      const list = byPrevName.get(name);
      if (list) list.push(r);
      else byPrevName.set(name, [r]);
    }
  }
  // The closures below are made once per referrer, not per (field spec, referrer) pair: a build
  // checks every builtin field spec against every object and almost none of them match a field.
  for (const referrer of resources) {
    const referrerId = referrer.orgId();
    let fs: FieldSpec = { path: '' };
    let target: Partial<Gvk> = {};
    // kustomize reads a RoleBinding's subjects for every RoleBinding (its roleRef is always a
    // name reference), so a bad subject fails the build even when nothing was renamed.
    let rbNamespaces: Set<string> | undefined =
      referrer.kind === 'RoleBinding' ? roleBindingNamespaces(referrer) : undefined;
    const all = (oldName: string): Resource[] => {
      const named = byPrevName.get(oldName);
      if (!named) return [];
      rbNamespaces ??= roleBindingNamespaces(referrer);
      const ns = rbNamespaces;
      return named.filter((r) => mayReference(referrer, ns, r));
    };
    const setScalar = (value: unknown): unknown => {
      if (typeof value !== 'string') return undefined;
      const referral = selectReferral(referrer, fs, target, value, all(value), sameNames);
      return referral && referral.name !== value ? referral.name : undefined;
    };
    const setMapping = (node: Record<string, unknown>): void => {
      if (typeof node.name !== 'string') return;
      let pool = all(node.name);
      if (typeof node.namespace === 'string') {
        const ns = node.namespace;
        const byOrg = pool.filter((r) => nsEquals(r.orgId().namespace, ns));
        pool = byOrg.length ? byOrg : pool.filter((r) => nsEquals(r.namespace, ns));
      }
      const referral = selectReferral(referrer, fs, target, node.name, pool, sameNamesAndNamespaces);
      if (!referral) return;
      if (referral.name === node.name && referral.namespace === '') return;
      node.name = referral.name;
      if (referral.namespace !== '') node.namespace = referral.namespace;
    };
    const visit = (holder: Record<string, unknown>, key: string): void => {
      const value = holder[key];
      if (value === undefined || value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (isMap(item)) setMapping(item);
          else {
            const next = setScalar(item);
            if (next !== undefined) value[i] = next;
          }
        });
      } else if (isMap(value)) setMapping(value);
      else {
        const next = setScalar(value);
        if (next !== undefined) holder[key] = next;
      }
    };
    for (const backRef of backRefs) {
      for (const spec of backRef.fieldSpecs) {
        if (!fieldSpecSelects(spec, referrerId)) continue;
        fs = spec;
        target = backRef.gvk;
        walkPath(referrer.obj, splitPath(spec.path), false, visit);
      }
    }
  }
};
