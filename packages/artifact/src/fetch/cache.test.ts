import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ArtifactCache, ArtifactError } from '@weft/artifact';
import { digestOf, tarGzOf } from './archive.fixture.ts';

let scratch: string;
let server: Server;
let baseUrl: string;
/** path → [bytes, requests served] */
const served = new Map<string, { bytes: Buffer; requests: number }>();

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'weft-cache-test-'));
  server = createServer((request, response) => {
    const route = served.get(request.url ?? '');
    if (!route) return void response.writeHead(404).end();
    route.requests++;
    // Slow enough that concurrent acquires overlap.
    setTimeout(() => response.writeHead(200, { 'Content-Length': route.bytes.length }).end(route.bytes), 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

let counter = 0;
function host(body: string): { url: string; digest: string; route: { requests: number } } {
  const bytes = tarGzOf([{ path: 'app.yaml', body }]);
  const path = `/a-${++counter}.tar.gz`;
  const route = { bytes, requests: 0 };
  served.set(path, route);
  return { url: `${baseUrl}${path}`, digest: digestOf(bytes), route };
}

describe('ArtifactCache', () => {
  test('one download for concurrent and later acquires of a digest; each reads the same files', async () => {
    const cache = new ArtifactCache({ parent: join(scratch, 'shared') });
    const { url, digest, route } = host('kind: A\n');
    const many = await Promise.all(Array.from({ length: 5 }, () => cache.acquire({ url, digest })));
    assert.equal(route.requests, 1);
    assert.equal(new Set(many.map((a) => a.dir)).size, 1);
    assert.deepEqual(
      many.map((a) => a.hit),
      [false, true, true, true, true],
    );
    for (const a of many) a.release();
    const later = await cache.acquire({ url, digest });
    assert.equal(route.requests, 1);
    assert.equal(await readFile(join(later.dir, 'app.yaml'), 'utf8'), 'kind: A\n');
    later.release();
    await cache.close();
  });

  test('a failed fetch is not kept: the next acquire tries again', async () => {
    const cache = new ArtifactCache({ parent: join(scratch, 'failing') });
    const { url, route } = host('kind: B\n');
    const wrong = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(cache.acquire({ url, digest: wrong, retries: 0 }), ArtifactError);
    await assert.rejects(cache.acquire({ url, digest: wrong, retries: 0 }), ArtifactError);
    assert.equal(route.requests, 2);
    assert.equal(cache.size, 0);
    await cache.close();
  });

  test('keeps at most maxUnused unused extractions, never one in use, and close() removes everything', async () => {
    const parent = join(scratch, 'evict');
    const cache = new ArtifactCache({ parent, maxUnused: 1 });
    const a = host('kind: A\n');
    const b = host('kind: B\n');
    const c = host('kind: C\n');
    const held = await cache.acquire(a);
    (await cache.acquire(b)).release();
    (await cache.acquire(c)).release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(cache.size, 2, 'a (in use) and c (most recently released)');
    (await cache.acquire(c)).release();
    assert.equal(c.route.requests, 1);
    (await cache.acquire(b)).release();
    assert.equal(b.route.requests, 2, 'b was evicted');
    assert.equal(await readFile(join(held.dir, 'app.yaml'), 'utf8'), 'kind: A\n');
    const closing = cache.close();
    await closing;
    assert.equal((await readdir(parent)).length, 1, 'the held extraction stays until released');
    held.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(await readdir(parent), []);
    await assert.rejects(cache.acquire(a), /closed/);
  });
});
