import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDefaultRestConfig, RestConfig } from './kubeconfig.ts';
import { KubeconfigError } from './kubeconfig-parse.ts';
import { KubeConfigTransport } from './transport.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-kubeconfig-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const b64 = (text: string) => Buffer.from(text).toString('base64');

function kubeconfig(options: { server?: string; cluster?: string; user: string; current?: string }): string {
  return `
apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: { server: 'https://other:6443' }
- name: main
  cluster: ${options.cluster ?? `{ server: '${options.server ?? 'https://10.0.0.1:6443/'}', certificate-authority-data: '${b64('CA-DATA')}' }`}
users:
- name: other
  user: { token: other-token }
- name: me
  user: ${options.user}
contexts:
- name: other
  context: { cluster: other, user: other }
- name: mine
  context: { cluster: main, user: me, namespace: team }
current-context: ${options.current ?? 'mine'}
`;
}

async function apply(config: RestConfig): Promise<https.RequestOptions> {
  const options: https.RequestOptions = { headers: { 'X-Existing': 'kept' } };
  await config.applyToHTTPSOptions(options);
  return options;
}

const headersOf = (options: https.RequestOptions) => options.headers as Record<string, string | string[]>;

describe('RestConfig from a kubeconfig', () => {
  it('uses the current context: cluster server and CA, user token, namespace', async () => {
    const config = RestConfig.fromString(kubeconfig({ user: '{ token: abc }' }));
    assert.equal(config.getCurrentCluster()?.server, 'https://10.0.0.1:6443/');
    assert.equal(config.getCurrentNamespace(), 'team');
    const options = await apply(config);
    assert.equal(String(options.ca), 'CA-DATA');
    assert.equal(headersOf(options).Authorization, 'Bearer abc');
    assert.equal(headersOf(options)['X-Existing'], 'kept');
    assert.ok(options.agent instanceof https.Agent);
  });

  it('reads client certificate, key and CA files relative to the kubeconfig file', async () => {
    const sub = join(dir, 'files');
    await mkdir(join(sub, 'pki'), { recursive: true });
    await writeFile(join(sub, 'pki', 'ca.crt'), 'CA-FILE');
    await writeFile(join(sub, 'pki', 'client.crt'), 'CERT-FILE');
    await writeFile(join(sub, 'pki', 'client.key'), 'KEY-FILE');
    const path = join(sub, 'config');
    await writeFile(
      path,
      kubeconfig({
        cluster: `{ server: 'https://10.0.0.1:6443', certificate-authority: pki/ca.crt }`,
        user: '{ client-certificate: pki/client.crt, client-key: pki/client.key }',
      }),
    );
    const config = RestConfig.fromFiles(path);
    const first = await apply(config);
    assert.equal(String(first.ca), 'CA-FILE');
    assert.equal(String(first.cert), 'CERT-FILE');
    assert.equal(String(first.key), 'KEY-FILE');
    assert.equal(headersOf(first).Authorization, undefined);
    const second = await apply(config);
    assert.equal(second.agent, first.agent, 'the keep-alive agent is shared while the files are unchanged');
    await writeFile(join(sub, 'pki', 'client.crt'), 'ROTATED');
    const third = await apply(config);
    assert.equal(String(third.cert), 'ROTATED');
    assert.notEqual(third.agent, first.agent, 'a rotated certificate gets a new agent');
  });

  it('takes embedded certificate data, basic auth, insecure-skip-tls-verify and tls-server-name', async () => {
    const config = RestConfig.fromString(
      kubeconfig({
        cluster: `{ server: 'https://10.0.0.1:6443', insecure-skip-tls-verify: true, tls-server-name: kubernetes }`,
        user: `{ client-certificate-data: '${b64('CERT')}', client-key-data: '${b64('KEY')}', username: admin, password: s3cret }`,
      }),
    );
    const options = await apply(config);
    assert.equal(String(options.cert), 'CERT');
    assert.equal(String(options.key), 'KEY');
    assert.equal(options.rejectUnauthorized, false);
    assert.equal(options.servername, 'kubernetes');
    assert.equal(headersOf(options).Authorization, `Basic ${b64('admin:s3cret')}`);
  });

  it('sets impersonation headers from as, as-groups, as-uid and as-user-extra', async () => {
    const config = RestConfig.fromString(
      kubeconfig({
        user: `{ token: t, as: jane, as-groups: [dev, ops], as-uid: '42', as-user-extra: { scopes: [a, b] } }`,
      }),
    );
    const headers = headersOf(await apply(config));
    assert.equal(headers['Impersonate-User'], 'jane');
    assert.deepEqual(headers['Impersonate-Group'], ['dev', 'ops']);
    assert.equal(headers['Impersonate-Uid'], '42');
    assert.deepEqual(headers['Impersonate-Extra-scopes'], ['a', 'b']);
  });

  it('re-reads a tokenFile once its TTL has passed', async () => {
    const tokenPath = join(dir, 'projected-token');
    await writeFile(tokenPath, 'first\n');
    let now = 1_000;
    const config = RestConfig.fromString(kubeconfig({ user: `{ tokenFile: '${tokenPath}' }` }), {
      tokenFileTtlMs: 60_000,
      now: () => now,
    });
    assert.equal(headersOf(await apply(config)).Authorization, 'Bearer first');
    await writeFile(tokenPath, 'second\n');
    now += 30_000;
    assert.equal(headersOf(await apply(config)).Authorization, 'Bearer first');
    now += 30_000;
    assert.equal(headersOf(await apply(config)).Authorization, 'Bearer second');
  });

  it('has no current cluster when the current context is missing', () => {
    const config = RestConfig.fromString(kubeconfig({ user: '{ token: t }', current: 'nowhere' }));
    assert.equal(config.getCurrentCluster(), null);
  });

  it('rejects a document that is not a mapping', () => {
    assert.throws(() => RestConfig.fromString('- just\n- a list\n'), KubeconfigError);
  });

  it('delegates exec users to client-node', async () => {
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-exec' },
    });
    const script = join(dir, 'credential.sh');
    await writeFile(script, `#!/bin/sh\necho '${credential}'\n`, { mode: 0o755 });
    const config = RestConfig.fromString(
      kubeconfig({
        user: `{ exec: { apiVersion: client.authentication.k8s.io/v1, command: '${script}', interactiveMode: Never } }`,
      }),
    );
    assert.equal(headersOf(await apply(config)).Authorization, 'Bearer from-exec');
  });

  it('authenticates the transport against a loopback server', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('Content-Type', 'application/json');
      res.end('{"kind":"Status"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const config = RestConfig.fromString(
        kubeconfig({ cluster: `{ server: 'http://127.0.0.1:${port}' }`, user: '{ token: loop }' }),
      );
      const transport = new KubeConfigTransport(config).withHeaders({ 'Impersonate-User': 'tenant' });
      const res = await transport.request({ method: 'GET', path: '/version' });
      assert.deepEqual(res.body, { kind: 'Status' });
      assert.equal(seen[0]?.authorization, 'Bearer loop');
      assert.equal(seen[0]?.['impersonate-user'], 'tenant');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('RestConfig in a cluster', () => {
  it('uses the service host and port, ca.crt, token and namespace', async () => {
    const sa = join(dir, 'serviceaccount');
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, 'ca.crt'), 'CLUSTER-CA');
    await writeFile(join(sa, 'token'), 'sa-token\n');
    await writeFile(join(sa, 'namespace'), 'flux-system');
    const config = RestConfig.inCluster({
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountDir: sa,
    });
    assert.equal(config.getCurrentCluster()?.server, 'https://10.96.0.1:443');
    assert.equal(config.getCurrentNamespace(), 'flux-system');
    const options = await apply(config);
    assert.equal(String(options.ca), 'CLUSTER-CA');
    assert.equal(headersOf(options).Authorization, 'Bearer sa-token');

    const v6 = RestConfig.inCluster({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' },
      serviceAccountDir: sa,
    });
    assert.equal(v6.getCurrentCluster()?.server, 'https://[fd00::1]:6443');
  });

  it('refuses to load outside a cluster', () => {
    assert.throws(() => RestConfig.inCluster({ env: {} }), /KUBERNETES_SERVICE_HOST/);
  });
});

describe('loadDefaultRestConfig', () => {
  it('merges the KUBECONFIG list, the first file winning', async () => {
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    await writeFile(
      a,
      `clusters: [{ name: main, cluster: { server: 'https://a:6443' } }]\nusers: [{ name: me, user: { token: from-a } }]\n`,
    );
    await writeFile(b, kubeconfig({ user: '{ token: from-b }' }));
    const config = loadDefaultRestConfig({ env: { KUBECONFIG: [join(dir, 'missing'), a, b].join(':') } });
    assert.equal(config.getCurrentContext(), 'mine');
    assert.equal(config.getCurrentCluster()?.server, 'https://a:6443');
    assert.equal(headersOf(await apply(config)).Authorization, 'Bearer from-a');
  });

  it('falls back to in-cluster, then ~/.kube/config, then fails', async () => {
    const home = join(dir, 'home');
    await mkdir(join(home, '.kube'), { recursive: true });
    await writeFile(join(home, '.kube', 'config'), kubeconfig({ user: '{ token: home }' }));
    assert.equal(
      loadDefaultRestConfig({ env: {}, home }).getCurrentCluster()?.server,
      'https://10.0.0.1:6443/',
    );
    const empty = join(dir, 'empty-home');
    const inCluster = loadDefaultRestConfig({
      env: { KUBERNETES_SERVICE_HOST: 'k', KUBERNETES_SERVICE_PORT: '1' },
      home,
      serviceAccountDir: join(dir, 'no-sa'),
    });
    assert.equal(inCluster.getCurrentCluster()?.server, 'https://k:1');
    assert.throws(() => loadDefaultRestConfig({ env: {}, home: empty }), /no kubeconfig/);
  });
});
