/**
 * `spec.kubeConfig`: the cluster a release goes to. Without it, the controller's own client and
 * kubeconfig. With it, a client for the cluster of the kubeconfig in the referenced Secret (keys
 * `value`, then `value.yaml`, or the one named; exec, auth providers and local files refused, as
 * for a Kustomization), and the same kubeconfig as a file for the helm processes, mode 0600 in the
 * controller's scratch directory for the length of the reconcile.
 */
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, decodeSecretData, KubeconfigSecretError, kubeConfigFromString } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import { ReconcileError } from '@weft/runtime/reconcile';
import { HelmReleaseReason } from './reasons.ts';
import type { HelmReleaseObject } from './types.ts';

export interface TargetCluster {
  /** Reads and writes the release's objects and its storage. */
  client: Client;
  /** Kubeconfig for helm; undefined: the controller's own. */
  kubeconfigPath?: string | undefined;
  /** Removes the kubeconfig file. */
  dispose(): Promise<void>;
}

export async function targetCluster(
  local: Client,
  obj: HelmReleaseObject,
  workDir: string,
  fieldManager: string,
): Promise<TargetCluster> {
  const ref = obj.spec.kubeConfig?.secretRef;
  if (!ref) return { client: local, dispose: async () => undefined };
  const namespace = obj.metadata.namespace ?? '';
  const where = `Secret '${namespace}/${ref.name}' (spec.kubeConfig.secretRef)`;
  let text: string | undefined;
  try {
    const data = decodeSecretData(
      await local.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: ref.name }),
    );
    text = (ref.key ? [ref.key] : ['value', 'value.yaml'])
      .map((key) => data[key])
      .find((v) => v !== undefined);
  } catch (error) {
    throw new ReconcileError(HelmReleaseReason.InitFailed, `cannot read ${where}: ${errorMessage(error)}`);
  }
  if (text === undefined)
    throw new ReconcileError(
      HelmReleaseReason.InitFailed,
      `${where} has no kubeconfig under ${ref.key ? `'${ref.key}'` : "'value' or 'value.yaml'"}`,
    );
  let client: Client;
  try {
    client = new Client(kubeConfigFromString(text), { fieldManager });
  } catch (error) {
    if (!(error instanceof KubeconfigSecretError)) throw error;
    throw new ReconcileError(HelmReleaseReason.InitFailed, `the kubeconfig in ${where}: ${error.message}`);
  }
  const kubeconfigPath = join(workDir, `${randomUUID()}.kubeconfig`);
  await writeFile(kubeconfigPath, text, { mode: 0o600 });
  return { client, kubeconfigPath, dispose: () => rm(kubeconfigPath, { force: true }) };
}
