import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ArtifactServer, serve } from '@weft/artifact';

let scratch: string;
let server: ArtifactServer;
const content = Buffer.from('pretend this is a tarball');
const hex = createHash('sha256').update(content).digest('hex');
const artifactPath = `/gitrepository/default/app/${hex}.tar.gz`;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'weft-server-test-'));
  const root = join(scratch, 'root');
  await mkdir(join(root, 'gitrepository/default/app'), { recursive: true });
  await writeFile(join(root, artifactPath), content);
  await writeFile(join(root, 'gitrepository/default/app/.abc.tmp'), 'half');
  await writeFile(join(root, 'gitrepository/default/app/notes.txt'), 'not an artifact');
  await mkdir(join(root, 'gitrepository/default/dir.tar.gz'));
  await writeFile(join(scratch, 'secret.tar.gz'), 'outside the root');
  await symlink(join(scratch, 'secret.tar.gz'), join(root, 'gitrepository/default/app/link.tar.gz'));
  server = await serve({ root, host: '127.0.0.1', port: 0 });
});
after(async () => {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request: node:http sends the path as given, without normalising `..`. */
function get(
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('serve', () => {
  test('GET returns the file with digest ETag, Last-Modified, length and type', async () => {
    const reply = await get(artifactPath);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, content);
    assert.equal(reply.headers.etag, `"sha256:${hex}"`);
    assert.equal(reply.headers['content-type'], 'application/gzip');
    assert.equal(reply.headers['content-length'], String(content.length));
    assert.ok(reply.headers['last-modified'] && !Number.isNaN(Date.parse(reply.headers['last-modified'])));
  });

  test('HEAD returns the headers and no body', async () => {
    const reply = await get(artifactPath, { method: 'HEAD' });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-length'], String(content.length));
    assert.equal(reply.body.length, 0);
  });

  test('If-None-Match with the digest gives 304; another ETag gives 200', async () => {
    assert.equal((await get(artifactPath, { headers: { 'If-None-Match': `"sha256:${hex}"` } })).status, 304);
    assert.equal(
      (await get(artifactPath, { headers: { 'If-None-Match': `"x", W/"sha256:${hex}"` } })).status,
      304,
    );
    assert.equal((await get(artifactPath, { headers: { 'If-None-Match': '"sha256:00"' } })).status, 200);
  });

  test('If-Modified-Since at or after the mtime gives 304', async () => {
    const first = await get(artifactPath);
    const lastModified = first.headers['last-modified'] ?? '';
    assert.equal((await get(artifactPath, { headers: { 'If-Modified-Since': lastModified } })).status, 304);
    const earlier = new Date(Date.parse(lastModified) - 10_000).toUTCString();
    assert.equal((await get(artifactPath, { headers: { 'If-Modified-Since': earlier } })).status, 200);
  });

  test('only GET and HEAD are allowed', async () => {
    const reply = await get(artifactPath, { method: 'DELETE' });
    assert.equal(reply.status, 405);
    assert.equal(reply.headers.allow, 'GET, HEAD');
  });

  for (const [why, path, status] of [
    ['unknown file', `/gitrepository/default/app/${'0'.repeat(64)}.tar.gz`, 404],
    ['directory', '/gitrepository/default/app', 404],
    ['directory named like an artifact', '/gitrepository/default/dir.tar.gz', 404],
    ['root', '/', 404],
    ['not a .tar.gz', '/gitrepository/default/app/notes.txt', 404],
    ['temp file', '/gitrepository/default/app/.abc.tmp', 404],
    ['dot-dot', '/gitrepository/../../secret.tar.gz', 404],
    ['encoded dot-dot', '/gitrepository/%2e%2e/%2E%2E/secret.tar.gz', 404],
    ['encoded slash', '/..%2f..%2fsecret.tar.gz', 404],
    ['backslash', '/gitrepository\\..\\..\\secret.tar.gz', 404],
    ['encoded backslash', '/gitrepository/..%5c..%5csecret.tar.gz', 404],
    ['absolute path in the target', '//SCRATCH/secret.tar.gz', 404],
    ['symlink to a file outside the root', '/gitrepository/default/app/link.tar.gz', 404],
    ['broken percent encoding', '/gitrepository/%zz.tar.gz', 400],
  ] as const) {
    test(`refuses a ${why} with ${status}`, async () => {
      const reply = await get(path.replace('/SCRATCH', scratch));
      assert.equal(reply.status, status, `${path} → ${reply.status}`);
      assert.doesNotMatch(reply.body.toString(), /outside the root/);
    });
  }

  test('recover is asked before a 404 for a missing artifact, and the file it re-created is served', async () => {
    const root = join(scratch, 'recovering');
    const asked: string[] = [];
    const recovering = await serve({
      root,
      recover: async (relativePath) => {
        asked.push(relativePath);
        if (!relativePath.startsWith('gitrepository/default/app/')) return false;
        await mkdir(join(root, 'gitrepository/default/app'), { recursive: true });
        await writeFile(join(root, relativePath), content);
        return true;
      },
    });
    try {
      const back = await fetch(`${recovering.url}${artifactPath}`);
      assert.equal(back.status, 200);
      assert.deepEqual(Buffer.from(await back.arrayBuffer()), content);
      const other = `/gitrepository/default/other/${hex}.tar.gz`;
      assert.equal((await fetch(`${recovering.url}${other}`)).status, 404);
      assert.equal((await fetch(`${recovering.url}/gitrepository/default/app/notes.tar`)).status, 404);
      assert.deepEqual(asked, [artifactPath.slice(1), other.slice(1)], 'only artifact names are asked about');
    } finally {
      await recovering.close();
    }
  });
});
