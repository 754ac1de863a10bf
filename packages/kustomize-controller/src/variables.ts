/**
 * The variables of `spec.postBuild`: the data of each `substituteFrom` ConfigMap and Secret in
 * order (later ones win), then `substitute` over all. Secret values are decoded and kept in
 * memory only; messages name objects and keys, never values.
 */
import { type Client, decodeSecretData, isNotFound, isRecord } from '@weft/runtime/client';
import { checkVariableNames, SubstituteError } from './substitute.ts';
import type { KustomizationObject } from './types.ts';

export async function postBuildVariables(
  client: Client,
  obj: KustomizationObject,
): Promise<Record<string, string>> {
  const postBuild = obj.spec.postBuild;
  const vars: Record<string, string> = {};
  const namespace = obj.metadata.namespace ?? '';
  for (const ref of postBuild?.substituteFrom ?? []) {
    const subject = `${ref.kind}/${namespace}/${ref.name}`;
    let source: Record<string, unknown>;
    try {
      source = await client.get({ apiVersion: 'v1', kind: ref.kind, namespace, name: ref.name });
    } catch (error) {
      if (isNotFound(error) && ref.optional) continue;
      if (isNotFound(error)) throw new SubstituteError(`substitute from '${subject}' failed: not found`);
      throw error;
    }
    const found = ref.kind === 'Secret' ? decodeSecretData(source) : configMapData(source);
    checkVariableNames(found, subject);
    Object.assign(vars, found);
  }
  const inline = postBuild?.substitute ?? {};
  checkVariableNames(inline, 'spec.postBuild.substitute');
  Object.assign(vars, inline);
  return vars;
}

function configMapData(configMap: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  if (!isRecord(configMap.data)) return values;
  for (const [key, value] of Object.entries(configMap.data))
    if (typeof value === 'string') values[key] = value;
  return values;
}
