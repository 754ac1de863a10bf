import { KustomizeError } from '../errors.ts';
import type { Loader } from '../io/loader.ts';
import type { GeneratorArgs, GeneratorOptions } from '../kustomization/types.ts';
import { spendObjects } from '../limits/limits.ts';
import { type Behavior, Resource } from '../model/resource.ts';
import type { KObject } from '../model/types.ts';
import { encodeBase64Lines } from './base64.ts';
import { loadPairs } from './key-values.ts';

/** Generator options with the kustomization-wide ones underneath the generator's own. */
export const mergeOptions = (
  local: GeneratorOptions | undefined,
  global: GeneratorOptions | undefined,
): GeneratorOptions => {
  const out: GeneratorOptions = {};
  const labels = { ...global?.labels, ...local?.labels };
  const annotations = { ...global?.annotations, ...local?.annotations };
  if (Object.keys(labels).length) out.labels = labels;
  if (Object.keys(annotations).length) out.annotations = annotations;
  const disable = local?.disableNameSuffixHash ?? global?.disableNameSuffixHash;
  if (disable !== undefined) out.disableNameSuffixHash = disable;
  const immutable = local?.immutable ?? global?.immutable;
  if (immutable !== undefined) out.immutable = immutable;
  return out;
};

const behaviors = new Set(['create', 'merge', 'replace']);

export const generate = (
  kind: 'ConfigMap' | 'Secret',
  loader: Loader,
  args: GeneratorArgs,
  global: GeneratorOptions | undefined,
  kustFile: string,
): Resource => {
  const behavior = args.behavior ?? 'create';
  if (!behaviors.has(behavior)) {
    throw new KustomizeError(
      `generator '${args.name}': behavior must be create, merge or replace, not '${behavior}'`,
      kustFile,
    );
  }
  const options = mergeOptions(args.options, global);
  const metadata: Record<string, unknown> = { name: args.name };
  if (args.namespace) metadata.namespace = args.namespace;
  if (options.labels) metadata.labels = { ...options.labels };
  if (options.annotations) metadata.annotations = { ...options.annotations };
  const obj: KObject = { apiVersion: 'v1', kind, metadata };
  const pairs = loadPairs(loader, args, kustFile);
  if (kind === 'ConfigMap') {
    const data: Record<string, string> = {};
    const binaryData: Record<string, string> = {};
    for (const p of pairs) {
      if (p.binary) binaryData[p.key] = encodeBase64Lines(p.binary);
      else data[p.key] = p.value;
    }
    if (Object.keys(data).length) obj.data = data;
    if (Object.keys(binaryData).length) obj.binaryData = binaryData;
  } else {
    obj.type = args.type ?? 'Opaque';
    const data: Record<string, string> = {};
    for (const p of pairs) data[p.key] = encodeBase64Lines(p.binary ?? Buffer.from(p.value, 'utf8'));
    if (Object.keys(data).length) obj.data = data;
  }
  if (options.immutable) obj.immutable = true;
  spendObjects(1, kustFile);
  const res = new Resource(obj);
  res.needsHash = options.disableNameSuffixHash !== true;
  res.behavior = behavior as Behavior;
  return res;
};
