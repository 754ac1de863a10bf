/**
 * The variables of `spec.postBuild`: the data of each `substituteFrom` ConfigMap and Secret in
 * order (later ones win), then `substitute` over all. Secret values are decoded and kept in
 * memory only; messages name objects and keys, never values.
 */
import { type Client, isNotFound, isRecord } from '@weft/runtime/client';
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
    const data = isRecord(source.data) ? source.data : {};
    const found: Record<string, string> = {};
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string') continue;
      found[key] = ref.kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value;
    }
    checkVariableNames(found, subject);
    Object.assign(vars, found);
  }
  const inline = postBuild?.substitute ?? {};
  checkVariableNames(inline, 'spec.postBuild.substitute');
  Object.assign(vars, inline);
  return vars;
}
