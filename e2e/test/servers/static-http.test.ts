import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { basicAuthHeader, makeTempDir, removeDir, startStaticHttpServer } from '../../src/servers/index.ts';

const indexYaml = 'apiVersion: v1\nentries: {}\n';

describe('static HTTP server', async () => {
  const server = await startStaticHttpServer();
  after(() => server.stop());
  await server.writeFile('index.yaml', indexYaml);
  await server.writeFile('charts/app-1.0.0.tgz', Buffer.from([0x1f, 0x8b, 0, 1]));

  test('serves files with a content type', async () => {
    const response = await fetch(server.url('index.yaml'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/x-yaml');
    assert.equal(await response.text(), indexYaml);
    const chart = await fetch(server.url('charts/app-1.0.0.tgz'));
    assert.equal(chart.headers.get('content-type'), 'application/gzip');
    assert.deepEqual(Buffer.from(await chart.arrayBuffer()), Buffer.from([0x1f, 0x8b, 0, 1]));
    const head = await fetch(server.url('index.yaml'), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(indexYaml.length));
  });

  test('answers 404 for missing files and paths outside the root', async () => {
    for (const path of [
      '/missing.yaml',
      '/charts/',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/charts/..%2f..%2fetc%2fpasswd',
    ]) {
      const response = await fetch(`${server.baseUrl}${path}`);
      await response.arrayBuffer();
      assert.equal(response.status, 404, path);
    }
  });

  test('does not follow a symlink out of the root', async () => {
    const outside = await makeTempDir('static-outside');
    after(() => removeDir(outside));
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await mkdir(join(server.root, 'links'), { recursive: true });
    await symlink(join(outside, 'secret.txt'), join(server.root, 'links', 'secret.txt'));
    const response = await fetch(server.url('links/secret.txt'));
    await response.arrayBuffer();
    assert.equal(response.status, 404);
  });

  test('records requests', () => {
    assert.ok(
      server.requests.some((r) => r.path === '/index.yaml' && r.status === 200 && r.method === 'GET'),
    );
    assert.ok(server.requests.some((r) => r.path === '/missing.yaml' && r.status === 404));
  });
});

describe('static HTTP server with basic auth', async () => {
  const root = await makeTempDir('static-root');
  after(() => removeDir(root));
  await writeFile(join(root, 'index.yaml'), indexYaml);
  const auth = { username: 'helm', password: 'charts' };
  const server = await startStaticHttpServer({ root, auth });
  after(() => server.stop());

  test('requires the credentials', async () => {
    const anonymous = await fetch(server.url('index.yaml'));
    await anonymous.arrayBuffer();
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    const wrong = await fetch(server.url('index.yaml'), {
      headers: { Authorization: basicAuthHeader({ ...auth, password: 'nope' }) },
    });
    await wrong.arrayBuffer();
    assert.equal(wrong.status, 401);
    const right = await fetch(server.url('index.yaml'), {
      headers: { Authorization: basicAuthHeader(auth) },
    });
    assert.equal(right.status, 200);
    assert.equal(await right.text(), indexYaml);
  });

  test('leaves a root it was given in place on stop', async () => {
    await server.stop();
    assert.ok(existsSync(join(root, 'index.yaml')));
  });
});
