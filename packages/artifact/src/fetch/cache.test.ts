import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ArtifactCache, ArtifactError } from '@weft/artifact';
import { eventually } from '@weft/e2e';
import { sleep } from '@weft/runtime/retry';
import { digestOf, tarGzOf } from './archive.fixture.ts';
import { useRouteServer } from './routes.fixture.ts';

const local = useRouteServer('weft-cache-test-');

let counter = 0;
/** Serves a one-file artifact, counting requests; slow enough that concurrent acquires overlap. */
function host(body: string): { url: string; digest: string; route: { requests: number } } {
  const bytes = tarGzOf([{ path: 'app.yaml', body }]);
  const path = `/a-${++counter}.tar.gz`;
  const route = { requests: 0 };
  local.routes.set(path, (response) => {
    route.requests++;
    setTimeout(() => response.writeHead(200, { 'Content-Length': bytes.length }).end(bytes), 50);
  });
  return { url: `${local.baseUrl}${path}`, digest: digestOf(bytes), route };
}

describe('ArtifactCache', () => {
  test('one download for concurrent and later acquires of a digest; each reads the same files', async () => {
    const cache = new ArtifactCache({ parent: join(local.scratch, 'shared') });
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
    assert.deepEqual([cache.hits, cache.misses], [5, 1]);
    assert.equal(await readFile(join(later.dir, 'app.yaml'), 'utf8'), 'kind: A\n');
    later.release();
    await cache.close();
  });

  test('fetches again when the extraction was removed from outside', async () => {
    const cache = new ArtifactCache({ parent: join(local.scratch, 'removed') });
    const { url, digest, route } = host('kind: R\n');
    const first = await cache.acquire({ url, digest });
    first.release();
    await rm(first.dir, { recursive: true, force: true });
    const second = await cache.acquire({ url, digest });
    assert.equal(route.requests, 2);
    assert.equal(second.hit, false);
    assert.equal(await readFile(join(second.dir, 'app.yaml'), 'utf8'), 'kind: R\n');
    second.release();
    await cache.close();
  });

  test('a failed fetch is not kept: the next acquire tries again', async () => {
    const cache = new ArtifactCache({ parent: join(local.scratch, 'failing') });
    const { url, route } = host('kind: B\n');
    const wrong = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(cache.acquire({ url, digest: wrong, retries: 0 }), ArtifactError);
    await assert.rejects(cache.acquire({ url, digest: wrong, retries: 0 }), ArtifactError);
    assert.equal(route.requests, 2);
    assert.equal(cache.size, 0);
    await cache.close();
  });

  test('keeps at most maxUnused unused extractions, never one in use, and close() removes everything', async () => {
    const parent = join(local.scratch, 'evict');
    const cache = new ArtifactCache({ parent, maxUnused: 1 });
    const a = host('kind: A\n');
    const b = host('kind: B\n');
    const c = host('kind: C\n');
    const held = await cache.acquire(a);
    (await cache.acquire(b)).release();
    (await cache.acquire(c)).release();
    await sleep(50);
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
    // Removal after the last release is asynchronous: wait for it rather than a fixed delay,
    // which a loaded machine overruns.
    await eventually(
      'the released extraction removed',
      async () => (await readdir(parent)).length === 0 || undefined,
      10_000,
    );
    await assert.rejects(cache.acquire(a), /closed/);
  });
});
