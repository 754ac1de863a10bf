/**
 * What the apply-engine tests start with: the run's cluster, a client, a namespace of their own
 * and a ResourceManager whose objects carry a Kustomization's owner labels.
 */
import { Label } from '@weft/api';
import { testNamespace, useCluster } from '@weft/e2e';
import { Client } from '@weft/runtime/client';
import { ResourceManager } from '@weft/runtime/ssa';

export async function applyTestCluster(prefix: string): Promise<{
  client: Client;
  ns: string;
  owner: Record<string, string>;
  manager: ResourceManager;
}> {
  const kubeConfig = await (await useCluster()).kubeConfig();
  const client = new Client(kubeConfig, { fieldManager: 'weft-apply-test' });
  const ns = await testNamespace(kubeConfig, prefix);
  const owner = { [Label.KustomizeName]: 'app', [Label.KustomizeNamespace]: ns };
  return { client, ns, owner, manager: new ResourceManager(client, { ownerLabels: owner }) };
}
