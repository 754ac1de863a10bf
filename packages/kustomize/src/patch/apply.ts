import { KustomizeError } from '../errors.ts';
import type { Loader } from '../io/loader.ts';
import { parseYamlDocuments } from '../io/yaml.ts';
import type { Patch, Selector } from '../kustomization/types.ts';
import { gvkOf, idEquals, idString, type ResId } from '../model/resid.ts';
import type { Resource } from '../model/resource.ts';
import { isMap } from '../model/types.ts';
import { applyJsonPatch, toJsonOps } from './json6902.ts';
import { selectResources } from './selector.ts';
import { strategicMerge } from './strategic-merge.ts';

type LoadedPatch = { source: string; docs: unknown[] };

/** Reads a patch from `path` (relative to the kustomization) or inline text. */
export const loadPatchText = (
  loader: Loader,
  p: { path?: string; patch?: string },
  kustFile: string,
): LoadedPatch => {
  const inline = typeof p.patch === 'string' ? p.patch.trim() : '';
  if (inline && p.path) throw new KustomizeError("a patch has both 'patch' and 'path'; keep one", kustFile);
  if (!inline && !p.path) throw new KustomizeError("a patch needs 'patch' or 'path'", kustFile);
  if (p.path) {
    const { path, text } = loader.readFile(p.path, 'patch');
    return { source: path, docs: parseYamlDocuments(text, path) };
  }
  return { source: kustFile, docs: parseYamlDocuments(inline, kustFile) };
};

const patchId = (patch: Record<string, unknown>): ResId => {
  const meta = isMap(patch.metadata) ? patch.metadata : {};
  return {
    ...gvkOf(patch.apiVersion, patch.kind),
    name: typeof meta.name === 'string' ? meta.name : '',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
  };
};

/** Applies one strategic-merge patch to one resource; returns false when the patch deletes it. */
export const applySmPatch = (
  res: Resource,
  patch: Record<string, unknown>,
  options: { allowNameChange?: boolean; allowKindChange?: boolean } = {},
): boolean => {
  const { name, namespace, kind } = { name: res.name, namespace: res.namespace, kind: res.kind };
  if (options.allowNameChange || options.allowKindChange) res.storePrevId();
  const merged = strategicMerge(res.obj, structuredClone(patch));
  if (merged === null || Object.keys(merged).length === 0) return false;
  res.obj = merged;
  if (!options.allowKindChange) res.obj.kind = kind;
  if (!options.allowNameChange) res.metadata.name = name;
  if (namespace) res.metadata.namespace = namespace;
  else if (isMap(res.obj.metadata)) delete res.obj.metadata.namespace;
  return true;
};

const removeDeleted = (resources: Resource[], deleted: Set<Resource>): void => {
  if (deleted.size === 0) return;
  const kept = resources.filter((r) => !deleted.has(r));
  resources.length = 0;
  resources.push(...kept);
};

const uniqueTarget = (resources: Resource[], id: ResId, source: string): Resource => {
  const matches = resources.filter((r) => r.allIds().some((other) => idEquals(other, id)));
  if (matches.length !== 1) {
    throw new KustomizeError(
      matches.length === 0
        ? `no resource matches strategic merge patch for ${idString(id)}; check the patch's apiVersion, kind, name and namespace`
        : `multiple resources match strategic merge patch for ${idString(id)}`,
      source,
    );
  }
  return matches[0] as Resource;
};

/** Applies the strategic merge patches of `patchesStrategicMerge` (or an untargeted `patches` entry). */
export const applySmPatchesById = (
  resources: Resource[],
  patches: LoadedPatch,
  options: Patch['options'] = {},
): void => {
  for (const doc of patches.docs) {
    if (!isMap(doc)) throw new KustomizeError('a strategic merge patch must be a mapping', patches.source);
    const target = uniqueTarget(resources, patchId(doc), patches.source);
    if (!applySmPatch(target, doc, options)) removeDeleted(resources, new Set([target]));
  }
};

export const applyJson6902 = (
  resources: Resource[],
  target: Selector,
  ops: unknown,
  source: string,
): void => {
  const operations = toJsonOps(ops, source);
  for (const res of selectResources(resources, target, source)) {
    res.storePrevId();
    const out = applyJsonPatch(res.obj, operations, source);
    if (!isMap(out)) throw new KustomizeError('a JSON patch must leave an object', source);
    res.obj = out;
  }
};

/** One entry of `patches`: strategic merge or JSON 6902, with or without a target. */
export const applyPatchEntry = (
  resources: Resource[],
  loader: Loader,
  entry: Patch,
  kustFile: string,
): void => {
  const loaded = loadPatchText(loader, entry, kustFile);
  const first = loaded.docs[0];
  if (Array.isArray(first)) {
    if (!entry.target) throw new KustomizeError('a JSON 6902 patch needs a target', loaded.source);
    applyJson6902(resources, entry.target, first, loaded.source);
    return;
  }
  if (!entry.target) {
    applySmPatchesById(resources, loaded, entry.options);
    return;
  }
  if (loaded.docs.length !== 1 || !isMap(first)) {
    throw new KustomizeError(
      'a patch with a target must hold exactly one strategic merge patch',
      loaded.source,
    );
  }
  const deleted = new Set<Resource>();
  for (const res of selectResources(resources, entry.target, loaded.source)) {
    // A targeted patch takes each target's apiVersion (kustomize sets the patch copy's GVK to the
    // target's): a Deployment-shaped patch selected by name also annotates a v1 Service.
    const patch = { ...first, apiVersion: res.obj.apiVersion };
    if (!applySmPatch(res, patch, entry.options)) deleted.add(res);
  }
  removeDeleted(resources, deleted);
};
