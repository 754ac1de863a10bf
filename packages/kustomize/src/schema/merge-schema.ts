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
// kustomize (kyaml) adds a custom document's definitions to a schema it keeps for the process.
// When the builtin one was read before the document was chosen, both end up in it: `builtinRead`
// when a merge looked a type up (the document's definitions win), `builtinPending` when an object
// of a kind outside the builtin list was loaded, which makes kyaml read the builtin schema later,
// after the document (the builtin definitions win).
let builtinRead = false;
let builtinPending = false;

/** Runs one build with the builtin Kubernetes schema until a kustomization's `openapi` replaces it. */
export const withBuildSchema = <T>(fn: () => T): T => {
  const saved = { active, custom, builtinRead, builtinPending };
  active = builtin;
  custom = false;
  builtinRead = false;
  builtinPending = false;
  try {
    return fn();
  } finally {
    ({ active, custom, builtinRead, builtinPending } = saved);
  }
};

/** Notes an object loaded into the build, for the schema kyaml would end up with (see above). */
export const noteLoadedKind = (apiVersion: unknown, kind: unknown): void => {
  if (custom || builtinPending) return;
  if (builtin.kinds[`${String(apiVersion)}/${String(kind)}`] === undefined) builtinPending = true;
};

const union = (under: MergeSchema, over: MergeSchema): MergeSchema => ({
  types: { ...under.types, ...over.types },
  kinds: { ...under.kinds, ...over.kinds },
});

/**
 * kustomize's `openapi: {path}`: the document replaces the builtin schema for the rest of the
 * build (Kubernetes kinds it does not describe lose their merge keys too), unless the builtin one
 * was read already (see above). The first kustomization loaded with `openapi` wins, so an
 * overlay's document beats its bases'.
 */
export const useCustomSchema = (load: () => MergeSchema): void => {
  if (custom) return;
  const document = load();
  active = builtinRead ? union(builtin, document) : builtinPending ? union(document, builtin) : document;
  custom = true;
};

/** The one Kubernetes version whose schema kustomize v5 has built in (`openapi: {version: …}`). */
export const builtinSchemaVersion = 'v1.21.2';

/** Whether a kustomization of this build has chosen the schema already. */
export const schemaChosen = (): boolean => custom;

/** `openapi: {version: v1.21.2}`: the builtin schema, chosen, so later documents are ignored. */
export const useBuiltinSchema = (): void => {
  custom = true;
};

/** The schema type of a top-level object, or undefined for kinds the schema does not define. */
export const typeForObject = (apiVersion: unknown, kind: unknown): string | undefined => {
  if (!custom) builtinRead = true;
  return typeof apiVersion === 'string' && typeof kind === 'string'
    ? active.kinds[`${apiVersion}/${kind}`]
    : undefined;
};

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
