import { KustomizeError } from '../errors.ts';
import type { Loader } from '../io/loader.ts';
import { parseYamlDocument } from '../io/yaml.ts';
import type { FieldSpec } from '../kustomization/types.ts';
import type { Gvk } from '../model/resid.ts';
import { isMap } from '../model/types.ts';
import { mergeFieldSpecs } from './field-spec.ts';
import builtin from './field-specs.generated.json' with { type: 'json' };

export type NameBackRef = { gvk: Partial<Gvk>; fieldSpecs: FieldSpec[] };

/** Where each transformer acts, per kind: kustomize's builtin lists plus `configurations`. */
export type TransformerConfig = {
  namePrefix: FieldSpec[];
  nameSuffix: FieldSpec[];
  namespace: FieldSpec[];
  commonLabels: FieldSpec[];
  templateLabels: FieldSpec[];
  /** Extra places every `labels` entry writes to (a `labels` list in `configurations`). */
  labels: FieldSpec[];
  commonAnnotations: FieldSpec[];
  images: FieldSpec[];
  replicas: FieldSpec[];
  varReference: FieldSpec[];
  nameReference: NameBackRef[];
};

const specList = (v: unknown): FieldSpec[] =>
  Array.isArray(v)
    ? v.filter(isMap).map((m) => {
        const fs: FieldSpec = { path: String(m.path ?? '') };
        if (typeof m.group === 'string') fs.group = m.group;
        if (typeof m.version === 'string') fs.version = m.version;
        if (typeof m.kind === 'string') fs.kind = m.kind;
        if (m.create === true) fs.create = true;
        return fs;
      })
    : [];

const backRefs = (v: unknown): NameBackRef[] =>
  Array.isArray(v)
    ? v.filter(isMap).map((m) => {
        const gvk: Partial<Gvk> = {};
        if (typeof m.group === 'string') gvk.group = m.group;
        if (typeof m.version === 'string') gvk.version = m.version;
        if (typeof m.kind === 'string') gvk.kind = m.kind;
        return { gvk, fieldSpecs: specList(m.fieldSpecs) };
      })
    : [];

const fromData = (data: Record<string, unknown>): TransformerConfig => ({
  namePrefix: specList(data.namePrefix),
  nameSuffix: specList(data.nameSuffix),
  namespace: specList(data.namespace),
  commonLabels: specList(data.commonLabels),
  templateLabels: specList(data.templateLabels),
  labels: specList(data.labels),
  commonAnnotations: specList(data.commonAnnotations),
  images: specList(data.images),
  replicas: specList(data.replicas),
  varReference: specList(data.varReference),
  nameReference: backRefs(data.nameReference),
});

// Configs are never edited in place, so every build shares one parsed copy of the builtin lists.
let builtinCache: TransformerConfig | undefined;
export const builtinConfig = (): TransformerConfig => {
  builtinCache ??= fromData(builtin);
  return builtinCache;
};

export const emptyConfig = (): TransformerConfig => fromData({});

const mergeBackRefs = (a: NameBackRef[], b: NameBackRef[]): NameBackRef[] => {
  const out = a.map((r) => ({ gvk: r.gvk, fieldSpecs: [...r.fieldSpecs] }));
  for (const r of b) {
    const same = out.find(
      (o) => o.gvk.group === r.gvk.group && o.gvk.version === r.gvk.version && o.gvk.kind === r.gvk.kind,
    );
    if (same) same.fieldSpecs = mergeFieldSpecs(same.fieldSpecs, r.fieldSpecs, 'error');
    else out.push({ gvk: r.gvk, fieldSpecs: [...r.fieldSpecs] });
  }
  return out;
};

const isEmpty = (c: TransformerConfig): boolean =>
  Object.values(c).every((list: unknown[]) => list.length === 0);

export const mergeConfig = (a: TransformerConfig, b: TransformerConfig): TransformerConfig => {
  if (a === b || isEmpty(b)) return a;
  return isEmpty(a) ? b : mergeConfigLists(a, b);
};

const mergeConfigLists = (a: TransformerConfig, b: TransformerConfig): TransformerConfig => ({
  namePrefix: mergeFieldSpecs(a.namePrefix, b.namePrefix, 'error'),
  nameSuffix: mergeFieldSpecs(a.nameSuffix, b.nameSuffix, 'error'),
  namespace: mergeFieldSpecs(a.namespace, b.namespace, 'error'),
  commonLabels: mergeFieldSpecs(a.commonLabels, b.commonLabels, 'error'),
  templateLabels: mergeFieldSpecs(a.templateLabels, b.templateLabels, 'error'),
  labels: mergeFieldSpecs(a.labels, b.labels, 'error'),
  commonAnnotations: mergeFieldSpecs(a.commonAnnotations, b.commonAnnotations, 'error'),
  images: mergeFieldSpecs(a.images, b.images, 'error'),
  replicas: mergeFieldSpecs(a.replicas, b.replicas, 'error'),
  varReference: mergeFieldSpecs(a.varReference, b.varReference, 'error'),
  nameReference: mergeBackRefs(a.nameReference, b.nameReference),
});

/** Reads each of `files` as one YAML mapping (an empty file is an empty one). */
export const readMappings = (
  loader: Loader,
  files: readonly string[],
  what: string,
  shape: string,
): { path: string; doc: Record<string, unknown> }[] =>
  files.map((f) => {
    const { path, text } = loader.readFile(f, what);
    const doc = parseYamlDocument(text, path);
    if (doc !== null && !isMap(doc)) throw new KustomizeError(`${shape} must be a mapping`, path);
    return { path, doc: doc ?? {} };
  });

/**
 * One kustomization's own configuration: its `configurations` files, then the builtin lists merged
 * into them (kustomize's order, so a custom spec for a path keeps a broader builtin one out).
 */
export const loadConfigurations = (loader: Loader, files: readonly string[]): TransformerConfig => {
  if (files.length === 0) return builtinConfig();
  let config = emptyConfig();
  for (const { doc } of readMappings(loader, files, 'configuration', 'a transformer configuration'))
    config = mergeConfig(config, fromData(doc));
  return mergeConfig(config, builtinConfig());
};
