// `crds`: legacy openapi-gen definition files (`{"<go package>.<Kind>": {Schema, Dependencies}}`)
// whose property extensions tell kustomize where a custom resource holds annotations, label
// selectors, its own name and references to other objects by name, as kustomize's
// LoadConfigFromCRDs reads them. Merge keys never come from here (that is `openapi`).
import type { Loader } from '../io/loader.ts';
import type { FieldSpec } from '../kustomization/types.ts';
import { isMap } from '../model/types.ts';
import { emptyConfig, mergeConfig, readMappings, type TransformerConfig } from './transformer-config.ts';

type Definitions = Record<string, unknown>;

const properties = (definition: unknown): Record<string, unknown> => {
  const schema = isMap(definition) ? definition.Schema : undefined;
  const props = isMap(schema) ? schema.properties : undefined;
  return isMap(props) ? props : {};
};

/** A definition describes an object kind when it has kind, apiVersion and metadata. */
const isObjectKind = (definition: unknown): boolean => {
  const props = properties(definition);
  return 'kind' in props && 'apiVersion' in props && 'metadata' in props;
};

const isString = (v: unknown): v is string => typeof v === 'string';

const walk = (
  config: TransformerConfig,
  kind: string,
  definitions: Definitions,
  typeName: string,
  path: string[],
  seen: Set<string>,
): void => {
  // A type that refers to itself (directly or not) would otherwise be walked forever.
  if (seen.has(typeName)) return;
  const within = new Set(seen).add(typeName);
  for (const [name, prop] of Object.entries(properties(definitions[typeName]))) {
    if (!isMap(prop)) continue;
    const at = [...path, name];
    const spec = (p: string[]): FieldSpec => ({ kind, path: p.join('/') });
    if (isString(prop['x-kubernetes-annotation'])) config.commonAnnotations.push(spec(at));
    if (isString(prop['x-kubernetes-label-selector'])) config.commonLabels.push(spec(at));
    if (isString(prop['x-kubernetes-identity'])) config.namePrefix.push(spec(at));
    const refVersion = prop['x-kubernetes-object-ref-api-version'];
    const refKind = prop['x-kubernetes-object-ref-kind'];
    if (isString(refVersion) && isString(refKind)) {
      const nameKey = prop['x-kubernetes-object-ref-name-key'];
      config.nameReference.push({
        gvk: { kind: refKind, version: refVersion },
        fieldSpecs: [spec([...at, isString(nameKey) ? nameKey : 'name'])],
      });
    }
    if (isString(prop.$ref) && prop.$ref !== '') walk(config, kind, definitions, prop.$ref, at, within);
  }
};

/** The field specs the definitions of `files` add, to merge into a kustomization's configuration. */
export const loadCrdConfig = (loader: Loader, files: readonly string[]): TransformerConfig => {
  let config = emptyConfig();
  const docs = readMappings(loader, files, 'crds file', 'a crds file (type names to their definitions)');
  for (const { doc: definitions } of docs) {
    for (const [typeName, definition] of Object.entries(definitions)) {
      if (!isObjectKind(definition)) continue;
      const own = emptyConfig();
      walk(own, typeName.split('.').at(-1) as string, definitions, typeName, [], new Set());
      config = mergeConfig(config, own);
    }
  }
  return config;
};
