import path from 'node:path';
import { KustomizeError } from '../errors.ts';
import type { Loader } from '../io/loader.ts';
import { parseYamlDocument } from '../io/yaml.ts';
import { isMap, stringMap } from '../model/types.ts';
import type { GeneratorArgs, Kustomization, Label, Patch } from './types.ts';

export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

const knownFields = [
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'components',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'images',
  'imageTags',
  'replicas',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'generators',
  'transformers',
  'validators',
  'replacements',
  'vars',
  'configurations',
  'crds',
  'sortOptions',
  'buildMetadata',
  'openapi',
  'helmCharts',
  'helmGlobals',
  'helmChartInflationGenerator',
];
const fieldByLowerName = new Map(knownFields.map((f) => [f.toLowerCase(), f]));

const strings = (v: unknown, field: string, file: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new KustomizeError(`'${field}' must be a list`, file);
  return v.map((x) => {
    if (typeof x === 'string') return x;
    if (typeof x === 'number' || typeof x === 'boolean') return String(x);
    throw new KustomizeError(`'${field}' must be a list of strings`, file);
  });
};
const maps = (v: unknown, field: string, file: string): Record<string, unknown>[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isMap))
    throw new KustomizeError(`'${field}' must be a list of mappings`, file);
  return v;
};
// Like kustomize, a value that YAML reads as a number or boolean is an error, not a label.
const strictStringMap = (v: unknown, field: string, file: string): Record<string, string> => {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new KustomizeError(`'${field}' must be a mapping`, file);
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string' && val !== null) {
      throw new KustomizeError(
        `'${field}.${k}' must be a string; quote the value (${JSON.stringify(val)})`,
        file,
      );
    }
  }
  return stringMap(v);
};
const optString = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

const readKustomizationFile = (loader: Loader): { file: string; doc: unknown } => {
  const found = kustomizationFileNames.filter((n) => loader.isFile(n));
  if (found.length === 0) {
    throw new KustomizeError(
      `no kustomization file found; add one of ${kustomizationFileNames.join(', ')} to ${loader.dir}`,
      loader.dir,
    );
  }
  if (found.length > 1) {
    throw new KustomizeError(
      `found multiple kustomization files (${found.join(', ')}); keep only one`,
      loader.dir,
    );
  }
  const { path: file, text } = loader.readFile(found[0] as string, 'kustomization');
  return { file, doc: parseYamlDocument(text, file) };
};

/**
 * Reads the kustomization of `loader`'s directory (its file, or the object the caller gave for
 * the top directory), normalising legacy fields.
 */
export const loadKustomization = (loader: Loader): Kustomization => {
  const { file, doc } = loader.kustomization
    ? { file: path.join(loader.dir, 'kustomization.yaml'), doc: loader.kustomization }
    : readKustomizationFile(loader);
  if (doc !== null && !isMap(doc)) throw new KustomizeError('kustomization must be a YAML mapping', file);
  // Go's JSON decoding matches field names case-insensitively, so kustomize accepts `nameprefix`.
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc ?? {})) raw[fieldByLowerName.get(k.toLowerCase()) ?? k] = v;

  const kind =
    raw.kind === undefined || raw.kind === null || raw.kind === '' ? 'Kustomization' : String(raw.kind);
  if (kind !== 'Kustomization' && kind !== 'Component') {
    throw new KustomizeError(`kind must be Kustomization or Component, got '${kind}'`, file);
  }
  const apiVersion = raw.apiVersion === undefined || raw.apiVersion === null ? '' : String(raw.apiVersion);
  const requiredVersion =
    kind === 'Component' ? 'kustomize.config.k8s.io/v1alpha1' : 'kustomize.config.k8s.io/v1beta1';
  if (apiVersion !== '' && apiVersion !== requiredVersion) {
    throw new KustomizeError(
      `apiVersion for ${kind} should be ${requiredVersion}, not '${apiVersion}'`,
      file,
    );
  }
  for (const field of ['helmCharts', 'helmChartInflationGenerator', 'helmGlobals', 'validators'] as const) {
    if (raw[field] !== undefined) {
      throw new KustomizeError(
        `'${field}' is not supported: it runs external programs; render it ahead of the build`,
        file,
      );
    }
  }
  const gen = (v: unknown, field: string): GeneratorArgs[] =>
    maps(v, field, file).map((g) => {
      if (typeof g.name !== 'string' || g.name === '')
        throw new KustomizeError(`each '${field}' entry needs a 'name'`, file);
      const envs = strings(g.envs, `${field}.envs`, file);
      if (typeof g.env === 'string') envs.push(g.env);
      const out: GeneratorArgs = {
        name: g.name,
        literals: strings(g.literals, `${field}.literals`, file),
        files: strings(g.files, `${field}.files`, file),
        envs,
      };
      const ns = optString(g.namespace);
      if (ns !== undefined) out.namespace = ns;
      const behavior = optString(g.behavior);
      if (behavior !== undefined) out.behavior = behavior;
      const type = optString(g.type);
      if (type !== undefined) out.type = type;
      if (isMap(g.options)) out.options = generatorOptions(g.options);
      return out;
    });
  const images = [...maps(raw.images, 'images', file), ...maps(raw.imageTags, 'imageTags', file)].map((i) => {
    const image: Kustomization['images'][number] = { name: String(i.name ?? '') };
    for (const f of ['newName', 'newTag', 'digest', 'tagSuffix'] as const) {
      const v = optString(i[f]);
      if (v !== undefined) image[f] = v;
    }
    return image;
  });
  const labels: Label[] = maps(raw.labels, 'labels', file).map((l) => {
    const label: Label = {
      pairs: stringMap(l.pairs),
      includeSelectors: l.includeSelectors === true,
      includeTemplates: l.includeTemplates === true,
      includeVolumeClaimTemplates: l.includeVolumeClaimTemplates === true,
    };
    if (Array.isArray(l.fields)) label.fields = l.fields as Label['fields'] & object;
    return label;
  });
  const k: Kustomization = {
    file,
    kind,
    resources: [...strings(raw.resources, 'resources', file), ...strings(raw.bases, 'bases', file)],
    components: strings(raw.components, 'components', file),
    commonLabels: strictStringMap(raw.commonLabels, 'commonLabels', file),
    labels,
    commonAnnotations: strictStringMap(raw.commonAnnotations, 'commonAnnotations', file),
    images,
    replicas: maps(raw.replicas, 'replicas', file).map((r) => ({
      name: String(r.name ?? ''),
      count: Number(r.count),
    })),
    patches: maps(raw.patches, 'patches', file).map((p) => p as Patch),
    patchesStrategicMerge: strings(raw.patchesStrategicMerge, 'patchesStrategicMerge', file),
    patchesJson6902: maps(raw.patchesJson6902, 'patchesJson6902', file).map((p) => p as Patch),
    configMapGenerator: gen(raw.configMapGenerator, 'configMapGenerator'),
    secretGenerator: gen(raw.secretGenerator, 'secretGenerator'),
    generators: strings(raw.generators, 'generators', file),
    transformers: strings(raw.transformers, 'transformers', file),
    replacements: Array.isArray(raw.replacements) ? raw.replacements : [],
    vars: maps(raw.vars, 'vars', file) as Kustomization['vars'],
    configurations: strings(raw.configurations, 'configurations', file),
    crds: strings(raw.crds, 'crds', file),
    buildMetadata: strings(raw.buildMetadata, 'buildMetadata', file),
  };
  for (const f of ['namespace', 'namePrefix', 'nameSuffix'] as const) {
    if (raw[f] !== undefined && raw[f] !== null && typeof raw[f] !== 'string') {
      throw new KustomizeError(`'${f}' must be a string; quote the value`, file);
    }
    const v = optString(raw[f]);
    if (v !== undefined && v !== '') k[f] = v;
  }
  if (isMap(raw.generatorOptions)) k.generatorOptions = generatorOptions(raw.generatorOptions);
  if (isMap(raw.sortOptions)) k.sortOptions = raw.sortOptions as Kustomization['sortOptions'] & object;
  if (isMap(raw.openapi)) k.openapi = stringMap(raw.openapi);
  for (const l of k.labels) {
    for (const key of Object.keys(l.pairs)) {
      if (key in k.commonLabels)
        throw new KustomizeError(`label name '${key}' exists in both commonLabels and labels`, file);
    }
  }
  return k;
};

const generatorOptions = (o: Record<string, unknown>): Kustomization['generatorOptions'] & object => {
  const out: Kustomization['generatorOptions'] & object = {};
  if (isMap(o.labels)) out.labels = stringMap(o.labels);
  if (isMap(o.annotations)) out.annotations = stringMap(o.annotations);
  if (typeof o.disableNameSuffixHash === 'boolean') out.disableNameSuffixHash = o.disableNameSuffixHash;
  if (typeof o.immutable === 'boolean') out.immutable = o.immutable;
  return out;
};
