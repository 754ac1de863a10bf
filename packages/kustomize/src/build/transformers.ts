import { mergeFieldSpecs } from '../config/field-spec.ts';
import type { TransformerConfig } from '../config/transformer-config.ts';
import { KustomizeError } from '../errors.ts';
import type { Loader } from '../io/loader.ts';
import { parseYamlDocuments } from '../io/yaml.ts';
import type { FieldSpec, Kustomization, Patch } from '../kustomization/types.ts';
import type { Resource } from '../model/resource.ts';
import { applyJson6902, applyPatchEntry, applySmPatchesById, loadPatchText } from '../patch/apply.ts';
import { addToMaps } from '../transform/field-setters.ts';
import { applyImages } from '../transform/images.ts';
import { applyNamespace } from '../transform/namespace.ts';
import { applyPrefixSuffix } from '../transform/prefix-suffix.ts';
import { applyReplacements } from '../transform/replacements.ts';
import { applyReplicas } from '../transform/replicas.ts';

const metadataLabels: FieldSpec = { path: 'metadata/labels', create: true };
// `labels[].includeVolumeClaimTemplates` (kustomize v5.8): the claims a StatefulSet makes.
const volumeClaimTemplateLabels: FieldSpec = {
  group: 'apps',
  kind: 'StatefulSet',
  path: 'spec/volumeClaimTemplates[]/metadata/labels',
  create: true,
};

const applyLabels = (
  resources: Resource[],
  pairs: Record<string, string>,
  specs: readonly FieldSpec[],
): void => {
  if (Object.keys(pairs).length === 0) return;
  for (const res of resources) addToMaps(res, specs, pairs);
};

/** Loads the JSON 6902 operations of a `patchesJson6902` entry (YAML or JSON, file or inline). */
const json6902Ops = (loader: Loader, entry: Patch, kustFile: string): { ops: unknown; source: string } => {
  const loaded = loadPatchText(loader, entry, kustFile);
  return { ops: loaded.docs[0] ?? [], source: loaded.source };
};

/**
 * The builtin transformers of one kustomization, in kustomize's order. `ran` is told the kind of
 * each transformer kustomize would configure, after it ran (one per `patches`, `labels`, `images`
 * … entry, as kustomize makes them), for `buildMetadata: [transformerAnnotations]`.
 */
export const runBuiltinTransformers = (
  resources: Resource[],
  k: Kustomization,
  config: TransformerConfig,
  loader: Loader,
  ran: (kind: string) => void = () => {},
): void => {
  const file = k.file;
  // An entry is a file when one exists by that name, otherwise an inline patch.
  const strategicMerge = k.patchesStrategicMerge.map((entry) =>
    loader.isFile(entry)
      ? loadPatchText(loader, { path: entry }, file)
      : { source: file, docs: parseYamlDocuments(entry, file) },
  );
  // kustomize reads every entry first and refuses a list that holds no patch at all (an empty
  // file among real patches is fine, as under `patches`).
  if (strategicMerge.length && strategicMerge.every((p) => p.docs.every((d) => d === null))) {
    throw new KustomizeError(
      `patchesStrategicMerge holds no patch: ${k.patchesStrategicMerge.join(', ')} ${k.patchesStrategicMerge.length > 1 ? 'are' : 'is'} empty; remove the entries or give them content`,
      file,
    );
  }
  for (const loaded of strategicMerge) applySmPatchesById(resources, loaded);
  if (strategicMerge.length) ran('PatchStrategicMergeTransformer');
  for (const entry of k.patches) {
    applyPatchEntry(resources, loader, entry, file);
    ran('PatchTransformer');
  }
  if (k.namespace) {
    applyNamespace(resources, k.namespace, config);
    ran('NamespaceTransformer');
  }
  if (k.namePrefix) {
    applyPrefixSuffix(resources, k.namePrefix, '', config.namePrefix);
    ran('PrefixTransformer');
  }
  if (k.nameSuffix) {
    applyPrefixSuffix(resources, '', k.nameSuffix, config.nameSuffix);
    ran('SuffixTransformer');
  }
  for (const label of k.labels) {
    let specs = mergeFieldSpecs(label.fields ?? [], []);
    if (label.includeSelectors) specs = mergeFieldSpecs(specs, config.commonLabels);
    else {
      if (label.includeTemplates) specs = mergeFieldSpecs(specs, config.templateLabels);
      specs = mergeFieldSpecs(specs, [metadataLabels]);
    }
    if (label.includeVolumeClaimTemplates) specs = mergeFieldSpecs(specs, [volumeClaimTemplateLabels]);
    specs = mergeFieldSpecs(specs, config.labels);
    applyLabels(resources, label.pairs, specs);
    ran('LabelTransformer');
  }
  applyLabels(resources, k.commonLabels, config.commonLabels);
  // kustomize configures the commonLabels transformer whenever there are labels of either kind.
  if (k.labels.length || Object.keys(k.commonLabels).length) ran('LabelTransformer');
  if (Object.keys(k.commonAnnotations).length) {
    for (const res of resources) addToMaps(res, config.commonAnnotations, k.commonAnnotations);
    ran('AnnotationsTransformer');
  }
  for (const entry of k.patchesJson6902) {
    if (!entry.target) throw new KustomizeError('each patchesJson6902 entry needs a target', file);
    const { ops, source } = json6902Ops(loader, entry, file);
    applyJson6902(resources, entry.target, ops, source);
    ran('PatchJson6902Transformer');
  }
  // Neither changes which objects there are, so running all entries at once and then telling
  // `ran` about each records the same.
  if (k.replicas.length) applyReplicas(resources, k.replicas, config.replicas, file);
  for (const _ of k.replicas) ran('ReplicaCountTransformer');
  if (k.images.length) applyImages(resources, k.images, config.images);
  for (const _ of k.images) ran('ImageTagTransformer');
  if (k.replacements.length) {
    applyReplacements(resources, k.replacements, loader, file);
    ran('ReplacementTransformer');
  }
};
