import data from './merge-keys.generated.json' with { type: 'json' };

export type FieldMergeInfo = {
  type?: string;
  list: boolean;
  mergeKey?: string;
  mapKeys?: string[];
  strategy?: string;
};

/** One field's merge rules, compact: t = schema type of the value (or items), l = list, m = map of, k = merge key, s = strategy, mk = list map keys. */
export type RawField = { t?: string; l?: number; m?: number; k?: string; s?: string; mk?: string[] };

/** List merge keys and strategies by schema type, and the schema type of each apiVersion/kind. */
export type MergeSchema = {
  types: Record<string, Record<string, RawField>>;
  kinds: Record<string, string>;
};

const builtin: MergeSchema = {
  types: data.types as MergeSchema['types'],
  kinds: data.kinds as MergeSchema['kinds'],
};

// The schema of the build in progress. Builds are synchronous, so one slot serves every build
// in the process: `withBuildSchema` restores the previous value when a build ends.
let active: MergeSchema = builtin;
let custom = false;

/** Runs one build with the builtin Kubernetes schema until a kustomization's `openapi` replaces it. */
export const withBuildSchema = <T>(fn: () => T): T => {
  const saved = { active, custom };
  active = builtin;
  custom = false;
  try {
    return fn();
  } finally {
    active = saved.active;
    custom = saved.custom;
  }
};

/**
 * kustomize's `openapi: {path}`: the document replaces the builtin schema for the rest of the
 * build (Kubernetes kinds it does not describe lose their merge keys too). The first
 * kustomization loaded with `openapi` wins, so an overlay's document beats its bases'.
 */
export const useCustomSchema = (load: () => MergeSchema): void => {
  if (custom) return;
  active = load();
  custom = true;
};

/** The schema type of a top-level object, or undefined for kinds the schema does not define. */
export const typeForObject = (apiVersion: unknown, kind: unknown): string | undefined =>
  typeof apiVersion === 'string' && typeof kind === 'string'
    ? active.kinds[`${apiVersion}/${kind}`]
    : undefined;

export const fieldInfo = (type: string | undefined, field: string): FieldMergeInfo | undefined => {
  if (type === undefined) return undefined;
  const raw = active.types[type]?.[field];
  if (!raw) return undefined;
  const info: FieldMergeInfo = { list: raw.l === 1 };
  if (raw.t) info.type = raw.t;
  if (raw.k) info.mergeKey = raw.k;
  if (raw.mk) info.mapKeys = raw.mk;
  if (raw.s) info.strategy = raw.s;
  return info;
};

/** Whether `type` is a known schema type (so a missing field means "no merge rules"). */
export const knownType = (type: string | undefined): boolean => type !== undefined && type in active.types;
