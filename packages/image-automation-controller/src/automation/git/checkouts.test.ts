/** The kept checkouts against a real Git server (git http-backend): reuse, reset, repair, LRU. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type GitHttpServer, startGitHttpServer } from '@weft/e2e';
import { Remote } from '@weft/git';
import { CheckoutCache } from './checkouts.ts';

let server: GitHttpServer;
let workDir: string;

before(async () => {
  server = await startGitHttpServer();
  workDir = await mkdtemp(join(tmpdir(), 'weft-checkouts-'));
});

after(async () => {
  await server?.stop();
  await rm(workDir, { recursive: true, force: true });
});

const read = (dir: string, path: string) => readFile(join(dir, path), 'utf8');

describe('CheckoutCache', () => {
  test('a second run fetches into the same checkout and gets a clean tree at the new head', async () => {
    await server.createRepo('reuse', { 'app.yaml': 'v1\n', 'other.yaml': 'x\n' });
    const cache = new CheckoutCache({ parent: join(workDir, 'reuse') });
    const remote = new Remote({ url: server.url('reuse') });
    const first = await cache.use(remote, { branch: 'main' }, async (checkout) => {
      assert.equal(await read(checkout.dir, 'app.yaml'), 'v1\n');
      // A marker the next run must still find (the checkout was not cloned again), and an
      // edit it must not (the tree is reset).
      await writeFile(join(checkout.dir, '.git', 'weft-marker'), '');
      await writeFile(join(checkout.dir, 'app.yaml'), 'local edit\n');
      return checkout;
    });
    assert.equal(first.head, await server.revParse('reuse', 'main'));
    const second = await server.commit('reuse', { 'app.yaml': 'v2\n' }, 'v2', { remove: ['other.yaml'] });
    const again = await cache.use(remote, { branch: 'main' }, async (checkout) => {
      assert.equal(await read(checkout.dir, 'app.yaml'), 'v2\n');
      assert.equal(existsSync(join(checkout.dir, 'other.yaml')), false, 'a file deleted upstream is gone');
      assert.ok(existsSync(join(checkout.dir, '.git', 'weft-marker')), 'the same checkout, fetched');
      return checkout;
    });
    assert.equal(again.dir, first.dir);
    assert.equal(again.head, second);
  });

  test('a damaged checkout is deleted and cloned afresh', async () => {
    await server.createRepo('damaged', { 'app.yaml': 'v1\n' });
    const discarded: string[] = [];
    const cache = new CheckoutCache({
      parent: join(workDir, 'damaged'),
      onDiscard: (dir) => discarded.push(dir),
    });
    const remote = new Remote({ url: server.url('damaged') });
    const dir = await cache.use(remote, { branch: 'main' }, async (checkout) => {
      await writeFile(join(checkout.dir, '.git', 'index'), 'not an index');
      return checkout.dir;
    });
    const head = await server.commit('damaged', { 'app.yaml': 'v2\n' }, 'v2');
    await cache.use(remote, { branch: 'main' }, async (checkout) => {
      assert.equal(checkout.head, head);
      assert.equal(await read(checkout.dir, 'app.yaml'), 'v2\n');
    });
    assert.deepEqual(discarded, [dir]);
  });

  test('past the bound the least recently used checkout goes', async () => {
    await server.createRepo('lru', { 'a.yaml': 'a\n' });
    await server.branch('lru', 'b');
    await server.branch('lru', 'c');
    const cache = new CheckoutCache({ parent: join(workDir, 'lru'), max: 2 });
    const remote = new Remote({ url: server.url('lru') });
    const dirOf = (branch: string) => cache.use(remote, { branch }, async (checkout) => checkout.dir);
    const a = await dirOf('main');
    const b = await dirOf('b');
    await dirOf('main');
    const c = await dirOf('c');
    assert.equal(cache.size, 2);
    assert.ok(existsSync(a) && existsSync(c));
    assert.equal(existsSync(b), false, 'b was the least recently used');
  });

  test('a server that cannot be reached fails the run and keeps the checkout', async () => {
    const own = await startGitHttpServer();
    const cache = new CheckoutCache({ parent: join(workDir, 'gone') });
    await own.createRepo('gone', { 'a.yaml': 'a\n' });
    const remote = new Remote({ url: own.url('gone') });
    const dir = await cache.use(remote, { branch: 'main' }, async (checkout) => checkout.dir);
    await own.stop();
    await assert.rejects(
      cache.use(remote, { branch: 'main' }, async () => {}),
      (error: Error & { code?: string }) =>
        error.code === 'Unreachable' && /cannot fetch main of/.test(error.message),
    );
    assert.ok(existsSync(join(dir, '.git')));
  });
});
