import path from 'node:path';
import { loadCrdConfig } from '../config/crds.ts';
import { loadConfigurations, mergeConfig } from '../config/transformer-config.ts';
import { KustomizeError } from '../errors.ts';
import { generate } from '../generate/generators.ts';
import { generateIamPolicy } from '../generate/iam-policy.ts';
import type { Loader } from '../io/loader.ts';
import {
  parseManifestDocuments,
  parseManifestDocumentsUncached,
  parseYamlDocument,
  parseYamlDocuments,
  toObjects,
} from '../io/yaml.ts';
import { loadKustomization } from '../kustomization/load.ts';
import type { FieldSpec, GeneratorArgs, Kustomization } from '../kustomization/types.ts';
import { spendObjects } from '../limits/limits.ts';
import { Resource } from '../model/resource.ts';
import { isMap, type KObject, stringMap } from '../model/types.ts';
import { applyJson6902, applyPatchEntry, applySmPatchesById, loadPatchText } from '../patch/apply.ts';
import {
  builtinSchemaVersion,
  noteLoadedKind,
  schemaChosen,
  useBuiltinSchema,
  useCustomSchema,
} from '../schema/merge-schema.ts';
import { schemaFromOpenApi } from '../schema/openapi.ts';
import { addToMaps } from '../transform/field-setters.ts';
import { applyImages } from '../transform/images.ts';
import { applyNamespace } from '../transform/namespace.ts';
import { applyPrefixSuffix } from '../transform/prefix-suffix.ts';
import { applyReplacements } from '../transform/replacements.ts';
import { applyReplicas } from '../transform/replicas.ts';
import {
  type Accumulator,
  absorbGenerated,
  appendResources,
  emptyAccumulator,
  idKey,
} from './accumulator.ts';
import { loadPluginConfigs } from './plugin-configs.ts';
import { runBuiltinTransformers } from './transformers.ts';
import { bindVars } from './vars.ts';

/**
 * `withOrigin`: track where each object came from (any `buildMetadata`, as kustomize tracks it);
 * `withTransformations`: record the transformers that ran over each object.
 */
export type BuildContext = { withOrigin: boolean; withTransformations?: boolean };

/**
 * kustomize's AddTransformerAnnotation: an object with an origin gets the transformer appended to
 * its transformations; one without is taken to be the transformer's own making.
 */
const recordTransformation = (resources: readonly Resource[], origin: Record<string, unknown>): void => {
  for (const r of resources) {
    if (r.origin) r.transformations.push(origin);
    else r.origin = origin;
  }
};

const relativeOrigin = (loader: Loader, file: string): string => path.join(loader.originPath, file);

const generatorOrigin = (
  loader: Loader,
  k: Kustomization,
  configuredIn: string,
  kind: string,
  name?: string,
): Record<string, unknown> => {
  const configuredBy: Record<string, unknown> = { apiVersion: 'builtin', kind };
  if (name) configuredBy.name = name;
  void k;
  return { configuredIn: relativeOrigin(loader, configuredIn), configuredBy };
};

const loadResourceFile = (
  acc: Accumulator,
  loader: Loader,
  entry: string,
  ctx: BuildContext,
  seen: Set<string>,
): void => {
  const { path: file, text, inMemory } = loader.readFile(entry, 'resource');
  const docs = inMemory ? parseManifestDocumentsUncached(text, file) : parseManifestDocuments(text, file);
  const objects = toObjects(docs, file);
  spendObjects(objects.length, file);
  for (const o of objects) noteLoadedKind(o.apiVersion, o.kind);
  const loaded: Resource[] = [];
  for (const obj of objects) {
    if (!isMap(obj.metadata) || typeof obj.metadata.name !== 'string' || obj.metadata.name === '') {
      if (!(typeof obj.kind === 'string' && obj.kind))
        throw new KustomizeError('missing kind in object', file);
      throw new KustomizeError(`missing metadata.name in ${String(obj.kind)} object`, file);
    }
    const res = new Resource(obj);
    if (ctx.withOrigin) res.origin = { path: relativeOrigin(loader, entry) };
    loaded.push(res);
  }
  appendResources(acc, loaded, file, seen);
};

const mergeAccumulator = (into: Accumulator, from: Accumulator, where: string, seen: Set<string>): void => {
  appendResources(into, from.resources, where, seen);
  into.config = mergeConfig(into.config, from.config);
  for (const v of from.vars) {
    if (into.vars.some((k) => k.name === v.name))
      throw new KustomizeError(`var '${v.name}' already encountered`, where);
    into.vars.push(v);
  }
};

const generatorArgs = (c: KObject): GeneratorArgs => {
  const meta = isMap(c.metadata) ? c.metadata : {};
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  const args: GeneratorArgs = {
    name: String(c.name ?? meta.name ?? ''),
    literals: list(c.literals),
    files: list(c.files),
    envs: [...list(c.envs), ...(typeof c.env === 'string' ? [c.env] : [])],
  };
  const ns = c.namespace ?? meta.namespace;
  if (typeof ns === 'string') args.namespace = ns;
  if (typeof c.behavior === 'string') args.behavior = c.behavior;
  if (typeof c.type === 'string') args.type = c.type;
  if (isMap(c.options)) {
    const o = c.options;
    args.options = {};
    if (isMap(o.labels)) args.options.labels = stringMap(o.labels);
    if (isMap(o.annotations)) args.options.annotations = stringMap(o.annotations);
    if (typeof o.disableNameSuffixHash === 'boolean')
      args.options.disableNameSuffixHash = o.disableNameSuffixHash;
    if (typeof o.immutable === 'boolean') args.options.immutable = o.immutable;
  }
  return args;
};

const fieldSpecs = (v: unknown): FieldSpec[] =>
  Array.isArray(v) ? (v.filter(isMap) as unknown as FieldSpec[]) : [];

const runGenerators = (acc: Accumulator, loader: Loader, k: Kustomization, ctx: BuildContext): void => {
  const kustName = path.basename(k.file);
  for (const [kind, list] of [
    ['ConfigMap', k.configMapGenerator],
    ['Secret', k.secretGenerator],
  ] as const) {
    for (const args of list) {
      const res = generate(kind, loader, args, k.generatorOptions, k.file);
      if (ctx.withOrigin) res.origin = generatorOrigin(loader, k, kustName, `${kind}Generator`);
      absorbGenerated(acc, res, k.file);
    }
  }
  const configs = loadPluginConfigs(
    loader,
    k.generators,
    'generators',
    (child) => buildObjects(child, ctx),
    k.file,
  );
  for (const { config, source } of configs) {
    const kind = String(config.kind);
    let res: Resource;
    if (kind === 'IAMPolicyGenerator') res = generateIamPolicy(config, source);
    else if (kind === 'ConfigMapGenerator' || kind === 'SecretGenerator') {
      res = generate(
        kind === 'ConfigMapGenerator' ? 'ConfigMap' : 'Secret',
        loader,
        generatorArgs(config),
        undefined,
        source,
      );
    } else {
      throw new KustomizeError(
        `generators: builtin '${kind}' is not a generator weft-kustomize supports`,
        source,
      );
    }
    if (ctx.withOrigin) {
      const name = isMap(config.metadata) ? String(config.metadata.name ?? '') : '';
      const configuredIn = source === k.file ? kustName : path.relative(loader.dir, source);
      res.origin = generatorOrigin(loader, k, configuredIn, kind, name);
    }
    absorbGenerated(acc, res, source);
  }
};

const runPluginTransformers = (
  acc: Accumulator,
  loader: Loader,
  k: Kustomization,
  ctx: BuildContext,
): void => {
  const configs = loadPluginConfigs(
    loader,
    k.transformers,
    'transformers',
    (child) => buildObjects(child, ctx),
    k.file,
  );
  const resources = acc.resources;
  for (const { config: c, source } of configs) {
    const kind = String(c.kind);
    const specs = fieldSpecs(c.fieldSpecs);
    switch (kind) {
      case 'PrefixSuffixTransformer':
      case 'PrefixTransformer':
      case 'SuffixTransformer':
        applyPrefixSuffix(
          resources,
          String(c.prefix ?? ''),
          String(c.suffix ?? ''),
          specs.length ? specs : acc.config.namePrefix,
        );
        break;
      case 'LabelTransformer':
        for (const r of resources) addToMaps(r, specs, stringMap(c.labels));
        break;
      case 'AnnotationsTransformer':
        for (const r of resources) addToMaps(r, specs, stringMap(c.annotations));
        break;
      case 'NamespaceTransformer': {
        const ns = isMap(c.metadata) ? String(c.metadata.namespace ?? '') : '';
        if (ns)
          applyNamespace(resources, ns, specs.length ? { ...acc.config, namespace: specs } : acc.config);
        break;
      }
      case 'PatchTransformer':
        applyPatchEntry(resources, loader, c as Parameters<typeof applyPatchEntry>[2], source);
        break;
      case 'PatchStrategicMergeTransformer':
        for (const p of Array.isArray(c.paths) ? c.paths.map(String) : [])
          applySmPatchesById(resources, loadPatchText(loader, { path: p }, source));
        if (typeof c.patches === 'string')
          applySmPatchesById(resources, { source, docs: parseYamlDocuments(c.patches, source) });
        break;
      case 'PatchJson6902Transformer': {
        if (!isMap(c.target)) throw new KustomizeError('PatchJson6902Transformer needs a target', source);
        const p: { path?: string; patch?: string } = {};
        if (typeof c.path === 'string') p.path = c.path;
        if (typeof c.jsonOp === 'string') p.patch = c.jsonOp;
        const loaded = loadPatchText(loader, p, source);
        applyJson6902(resources, c.target, loaded.docs[0] ?? [], loaded.source);
        break;
      }
      case 'ImageTagTransformer':
        if (isMap(c.imageTag))
          applyImages(resources, [c.imageTag as { name: string }], specs.length ? specs : acc.config.images);
        break;
      case 'ReplicaCountTransformer':
        if (isMap(c.replica))
          applyReplicas(
            resources,
            [{ name: String(c.replica.name), count: Number(c.replica.count) }],
            specs.length ? specs : acc.config.replicas,
            source,
          );
        break;
      case 'ReplacementTransformer':
        applyReplacements(resources, Array.isArray(c.replacements) ? c.replacements : [], loader, source);
        break;
      default:
        throw new KustomizeError(
          `transformers: builtin '${kind}' is not supported by weft-kustomize`,
          source,
        );
    }
    // A config from a directory has no origin of its own here: kustomize would name the file.
    if (ctx.withTransformations && (source === k.file || loader.isFile(path.relative(loader.dir, source)))) {
      const meta = isMap(c.metadata) ? c.metadata : {};
      const configuredBy: Record<string, unknown> = { apiVersion: c.apiVersion, kind };
      if (meta.name) configuredBy.name = meta.name;
      if (meta.namespace) configuredBy.namespace = meta.namespace;
      const configuredIn = relativeOrigin(
        loader,
        source === k.file ? path.basename(k.file) : path.relative(loader.dir, source),
      );
      recordTransformation(resources, { configuredIn, configuredBy });
    }
  }
};

/**
 * `openapi` as kustomize's SetSchema takes it: the first kustomization that names a document or
 * a version chooses the schema for the build (its document is read either way).
 */
const chooseSchema = (loader: Loader, openapi: Record<string, string>, kustFile: string): void => {
  const document = openapi.path === undefined ? undefined : loader.readFile(openapi.path, 'openapi document');
  if (schemaChosen()) return;
  if (document) {
    if (openapi.version !== undefined) {
      throw new KustomizeError(
        'openapi has both a path and a version: a custom document replaces the builtin schema, keep one',
        kustFile,
      );
    }
    useCustomSchema(() => schemaFromOpenApi(parseYamlDocument(document.text, document.path), document.path));
  } else if (openapi.version) {
    if (openapi.version !== builtinSchemaVersion) {
      throw new KustomizeError(
        `openapi.version '${openapi.version}' is not built in; the only builtin version is ${builtinSchemaVersion} (or give a document with openapi.path)`,
        kustFile,
      );
    }
    useBuiltinSchema();
  }
};

/** kustomize's accumulateTarget: resources, configurations, generators, components, transformers, vars. */
export const accumulateTarget = (
  loader: Loader,
  acc: Accumulator,
  ctx: BuildContext,
  role: 'top' | 'resource' | 'component',
): Accumulator => {
  const k = loadKustomization(loader);
  if (role === 'component' && k.kind !== 'Component') {
    throw new KustomizeError(`expected kind 'Component' for a component, got '${k.kind}'`, k.file);
  }
  // A Component can be built on its own (the directory given to the build), as kustomize allows.
  if (role === 'resource' && k.kind === 'Component') {
    throw new KustomizeError(
      "a kind 'Component' may only be listed under 'components', not 'resources'",
      k.file,
    );
  }
  if (k.openapi) chooseSchema(loader, k.openapi, k.file);
  // Nothing renames resources while they are being listed, so one id index serves the loop.
  const seen = new Set(acc.resources.map((r) => idKey(r.curId())));
  for (const entry of k.resources) {
    if (loader.isFile(entry)) loadResourceFile(acc, loader, entry, ctx, seen);
    else {
      const child = loader.child(entry, 'resource');
      const sub = accumulateTarget(child, emptyAccumulator(), ctx, 'resource');
      mergeAccumulator(acc, sub, k.file, seen);
    }
  }
  acc.config = mergeConfig(acc.config, loadConfigurations(loader, k.configurations));
  acc.config = mergeConfig(acc.config, loadCrdConfig(loader, k.crds));
  runGenerators(acc, loader, k, ctx);
  let current = acc;
  for (const entry of k.components) {
    current = accumulateTarget(loader.child(entry, 'component'), current, ctx, 'component');
  }
  const kustName = path.basename(k.file);
  runBuiltinTransformers(
    current.resources,
    k,
    current.config,
    loader,
    ctx.withTransformations
      ? (kind) => recordTransformation(current.resources, generatorOrigin(loader, k, kustName, kind))
      : undefined,
  );
  runPluginTransformers(current, loader, k, ctx);
  bindVars(current.resources, current.vars, k.vars, k.file);
  return current;
};

/** Objects a directory produces before final steps (used for generator/transformer config dirs). */
const buildObjects = (loader: Loader, ctx: BuildContext): KObject[] =>
  accumulateTarget(
    loader,
    emptyAccumulator(),
    { ...ctx, withOrigin: false, withTransformations: false },
    'resource',
  ).resources.map((r) => r.obj);
