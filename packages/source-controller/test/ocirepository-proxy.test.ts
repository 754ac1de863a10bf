import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OciRegistry, startOciRegistry, testNamespace, useCluster } from '@weft/e2e';
import { pushArtifact, RegistryClient } from '@weft/oci';
import { Client } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import { installCrds, type KubeConfig } from './helpers.ts';
import { type HttpProxyServer, haveTinyproxy, startHttpProxy, tinyproxyPath } from './http-proxy.ts';
import { conditionOf, createSecret, filesDir, SourceKind, startController } from './oci-helpers.ts';

// The proxy is Debian's tinyproxy (package tinyproxy-bin); without it there is nothing real to test against.
const skip = haveTinyproxy ? false : `${tinyproxyPath} not found: install Debian's tinyproxy-bin`;

const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'ociproxy');

describe('OCIRepository spec.proxySecretRef', { skip }, () => {
  const proxyAuth = { username: 'proxy-user', password: 'proxy-secret-3' };
  let client: Client;
  let controller: Manager;
  let registry: OciRegistry;
  let secure: OciRegistry;
  let proxy: HttpProxyServer;
  let storageDir: string;
  let repos: SourceKind;
  const shard = `sc-${randomBytes(3).toString('hex')}`;

  before(async () => {
    await installCrds(kubeConfig);
    client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
    storageDir = await mkdtemp(join(tmpdir(), 'weft-sc-storage-'));
    registry = await startOciRegistry();
    secure = await startOciRegistry({ tls: 'server' });
    proxy = await startHttpProxy(proxyAuth);
    repos = new SourceKind(client, 'OCIRepository', namespace, shard);
    controller = await startController(kubeConfig, storageDir, shard);
  });

  after(async () => {
    await controller?.stop();
    await proxy?.stop();
    await registry?.stop();
    await secure?.stop();
    await rm(storageDir, { recursive: true, force: true });
  });

  async function push(target: OciRegistry, tls?: { ca: string }) {
    const publisher = new RegistryClient({ registry: target.host, insecure: tls === undefined, tls });
    const dir = await filesDir({ 'app.yaml': 'kind: ConfigMap\n' });
    try {
      return await pushArtifact({ client: publisher, repository: 'apps/proxied', tag: 'v1', dir });
    } finally {
      publisher.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('pulls over plain HTTP and HTTPS (CONNECT) through the proxy; wrong proxy credentials are AuthenticationFailed without them in status', async () => {
    const plain = await push(registry);
    await createSecret(client, namespace, 'proxy', { address: proxy.address, ...proxyAuth });
    await repos.create('plain', {
      url: registry.ociUrl('apps/proxied'),
      ref: { tag: 'v1' },
      insecure: true,
      proxySecretRef: { name: 'proxy' },
    });
    await repos.waitReady('plain', `v1@${plain.digest}`);
    assert.match(await proxy.log(), new RegExp(`GET http://${registry.host}/v2/apps/proxied/manifests/`));

    const tls = secure.tls;
    assert.ok(tls);
    const tunnelled = await push(secure, { ca: tls.caPem });
    await createSecret(client, namespace, 'secure-ca', { 'ca.crt': tls.caPem });
    await repos.create('tunnelled', {
      url: secure.ociUrl('apps/proxied'),
      ref: { tag: 'v1' },
      certSecretRef: { name: 'secure-ca' },
      proxySecretRef: { name: 'proxy' },
    });
    await repos.waitReady('tunnelled', `v1@${tunnelled.digest}`);
    assert.match(await proxy.log(), new RegExp(`CONNECT ${secure.host.replace('.', '\\.')}`));

    const wrongPassword = 'not-the-proxy-password';
    await createSecret(client, namespace, 'bad-proxy', {
      address: proxy.address,
      username: proxyAuth.username,
      password: wrongPassword,
    });
    // Through a tunnel: to a plain request with wrong credentials tinyproxy answers 401 (not
    // 407), which cannot be told from the registry's own 401; to a CONNECT the proxy answers.
    await repos.create('bad-proxy', {
      url: secure.ociUrl('apps/proxied'),
      ref: { tag: 'v1' },
      certSecretRef: { name: 'secure-ca' },
      proxySecretRef: { name: 'bad-proxy' },
    });
    const refused = await repos.waitNotReady('bad-proxy', 'AuthenticationFailed');
    assert.match(
      conditionOf(refused, 'Ready')?.message ?? '',
      /the proxy 127\.0\.0\.1:\d+ refused the request with the given credentials \(HTTP 40[17]\)/,
    );
    const text = JSON.stringify(refused.status);
    assert.ok(!text.includes(wrongPassword) && !text.includes(proxyAuth.password), 'no secret in status');
  });
});
