/**
 * What the reflector e2e files share: the cluster, two namespaces, a plain registry behind a
 * paging front, a registry with token auth, the reflector half of the controller on its own
 * shard, and small helpers. Call reflectorSuite() at the top level of a test file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { startOciRegistry, testNamespace, useCluster } from '@weft/e2e';
import { RegistryClient } from '@weft/oci';
import { Client, type KubeObject } from '@weft/runtime/client';
import {
  ImageKinds,
  installCrds,
  PagingRegistryFront,
  type RunningReflector,
  startReflector,
} from './reflector-helpers.ts';

export const registryAuth = { username: 'puller', password: 'registry-secret-9f3' };
export const pageSize = 10;

export async function reflectorSuite() {
  const cluster = await useCluster();
  const kubeConfig = await cluster.kubeConfig();
  const namespace = await testNamespace(kubeConfig, 'imgrefl');
  const otherNamespace = await testNamespace(kubeConfig, 'imgrefl-other');
  const shard = `irc-${randomBytes(3).toString('hex')}`;
  const client = new Client(kubeConfig, { fieldManager: 'image-reflector-test' });
  await installCrds(client);
  const storageDir = await mkdtemp(join(tmpdir(), 'weft-irc-store-'));
  const registry = await startOciRegistry();
  const front = await PagingRegistryFront.start(registry.url, pageSize);
  const tokenRegistry = await startOciRegistry({ auth: registryAuth, tokenAuth: true });
  const publisher = new RegistryClient({ registry: registry.host, insecure: true });
  const suite = {
    kubeConfig,
    namespace,
    otherNamespace,
    shard,
    client,
    registry,
    front,
    tokenRegistry,
    publisher,
    storageDir,
    kinds: new ImageKinds(client, namespace, shard),
    /** The running reflector; a test may stop it and start another. */
    controller: (await startReflector(kubeConfig, storageDir, shard)) as RunningReflector | undefined,
    image: (repository: string) => `${front.host}/${repository}`,
    createSecret: async (
      name: string,
      stringData: Record<string, string>,
      type = 'Opaque',
      ns = namespace,
    ) => {
      await client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: ns },
        type,
        stringData,
      } as KubeObject);
    },
  };
  after(async () => {
    await suite.controller?.stop();
    publisher.close();
    await front.stop();
    await registry.stop();
    await tokenRegistry.stop();
    await rm(storageDir, { recursive: true, force: true });
  });
  return suite;
}
