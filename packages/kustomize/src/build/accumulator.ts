import { emptyConfig, type TransformerConfig } from '../config/transformer-config.ts';
import { KustomizeError } from '../errors.ts';
import { encodeBase64Lines } from '../generate/base64.ts';
import type { Var } from '../kustomization/types.ts';
import { idEquals, idKey, idString } from '../model/resid.ts';
import type { Resource } from '../model/resource.ts';
import { isMap } from '../model/types.ts';

/** What one kustomization (and everything under it) has produced so far. */
export type Accumulator = {
  resources: Resource[];
  config: TransformerConfig;
  vars: Var[];
};

/** Configs start empty: each kustomization merges its own (builtin plus `configurations`) in. */
export const emptyAccumulator = (): Accumulator => ({ resources: [], config: emptyConfig(), vars: [] });

export { idKey };

/** Appends resources, refusing any whose id is already present (kustomize's ResMap.Append). */
export const appendResources = (
  acc: Accumulator,
  list: readonly Resource[],
  where: string,
  seen: Set<string> = new Set(acc.resources.map((r) => idKey(r.curId()))),
): void => {
  for (const res of list) {
    const id = res.curId();
    const key = idKey(id);
    if (seen.has(key)) {
      throw new KustomizeError(
        `may not add resource with an already registered id: ${idString(id)}; two resources have the same kind, name and namespace`,
        where,
      );
    }
    seen.add(key);
    acc.resources.push(res);
  }
};

export const appendResource = (acc: Accumulator, res: Resource, where: string): void => {
  const id = res.curId();
  if (acc.resources.some((r) => idEquals(r.curId(), id))) {
    throw new KustomizeError(
      `may not add resource with an already registered id: ${idString(id)}; two resources have the same kind, name and namespace`,
      where,
    );
  }
  acc.resources.push(res);
};

/** Adds a generated object: create appends; merge and replace update the one it names. */
export const absorbGenerated = (acc: Accumulator, res: Resource, where: string): void => {
  const id = res.curId();
  const matches = acc.resources.filter((r) => r.allIds().some((other) => idEquals(other, id)));
  if (matches.length === 0) {
    if (res.behavior !== 'create') {
      throw new KustomizeError(
        `${idString(id)} does not exist; cannot ${res.behavior} it (behavior: ${res.behavior})`,
        where,
      );
    }
    appendResource(acc, res, where);
    return;
  }
  if (matches.length > 1) {
    throw new KustomizeError(`found multiple objects that could accept merge of ${idString(id)}`, where);
  }
  const old = matches[0] as Resource;
  if (res.behavior === 'create') {
    throw new KustomizeError(`${idString(id)} exists already; use behavior: merge or replace`, where);
  }
  const meta = res.metadata;
  meta.labels = { ...old.labels(), ...(isMap(meta.labels) ? meta.labels : {}) };
  meta.annotations = { ...old.annotations(), ...(isMap(meta.annotations) ? meta.annotations : {}) };
  if (Object.keys(meta.labels as object).length === 0) delete meta.labels;
  if (Object.keys(meta.annotations as object).length === 0) delete meta.annotations;
  meta.name = old.name;
  if (old.namespace) meta.namespace = old.namespace;
  else delete meta.namespace;
  res.prevIds = old.prevIds.map((p) => ({ ...p }));
  res.prefixes = [...old.prefixes];
  res.suffixes = [...old.suffixes];
  res.refVarNames = [...old.refVarNames];
  // Build annotations (the hash flag among them) come from the old object only, and the new
  // one can still switch hashing off.
  res.needsHash = old.needsHash && res.needsHash;
  if (res.behavior === 'merge') {
    for (const field of ['data', 'binaryData'] as const) {
      let oldData = old.obj[field];
      if (field === 'data' && old.kind === 'Secret' && isMap(old.obj.stringData)) {
        oldData = { ...(isMap(oldData) ? oldData : {}) };
        for (const [k, v] of Object.entries(old.obj.stringData))
          (oldData as Record<string, unknown>)[k] = encodeBase64Lines(Buffer.from(String(v)));
      }
      const merged = {
        ...(isMap(oldData) ? oldData : {}),
        ...(isMap(res.obj[field]) ? (res.obj[field] as object) : {}),
      };
      if (Object.keys(merged).length) res.obj[field] = merged;
    }
    if (old.origin) res.origin = old.origin;
    if (old.transformations.length) res.transformations = [...old.transformations];
  }
  acc.resources[acc.resources.indexOf(old)] = res;
};
