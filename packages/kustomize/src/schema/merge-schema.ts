import data from './merge-keys.generated.json' with { type: 'json' };

export type FieldMergeInfo = {
  type?: string;
  list: boolean;
  mergeKey?: string;
  mapKeys?: string[];
  strategy?: string;
};

type RawField = { t?: string; l?: number; m?: number; k?: string; s?: string; mk?: string[] };
const types = data.types as Record<string, Record<string, RawField>>;
const kinds = data.kinds as Record<string, string>;

/** The schema type of a top-level object, or undefined for kinds the Kubernetes API does not define. */
export const typeForObject = (apiVersion: unknown, kind: unknown): string | undefined =>
  typeof apiVersion === 'string' && typeof kind === 'string' ? kinds[`${apiVersion}/${kind}`] : undefined;

export const fieldInfo = (type: string | undefined, field: string): FieldMergeInfo | undefined => {
  if (type === undefined) return undefined;
  const raw = types[type]?.[field];
  if (!raw) return undefined;
  const info: FieldMergeInfo = { list: raw.l === 1 };
  if (raw.t) info.type = raw.t;
  if (raw.k) info.mergeKey = raw.k;
  if (raw.mk) info.mapKeys = raw.mk;
  if (raw.s) info.strategy = raw.s;
  return info;
};

/** Whether `type` is a known schema type (so a missing field means "no merge rules"). */
export const knownType = (type: string | undefined): boolean => type !== undefined && type in types;
