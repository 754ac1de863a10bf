import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ArtifactRef, Storage } from '@weft/artifact';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'weft-storage-test-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const ref: ArtifactRef = { kind: 'GitRepository', namespace: 'flux-system', name: 'podinfo' };
const digestOf = (content: string) => `sha256:${createHash('sha256').update(content).digest('hex')}`;

class FakeClock {
  current = new Date('2025-01-01T00:00:00Z');
  now = (): Date => this.current;
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

async function tarball(content: string): Promise<string> {
  const path = join(scratch, `${Math.random().toString(36).slice(2)}.tar.gz`);
  await writeFile(path, content);
  return path;
}

async function newStorage(clock = new FakeClock()): Promise<Storage> {
  const root = await mkdtemp(join(scratch, 'root-'));
  return new Storage({
    root,
    advertisedAddress: 'source-controller.weft-system.svc.cluster.local.',
    now: clock.now,
  });
}

describe('Storage', () => {
  test('stores under <kind>/<namespace>/<name>/<hex>.tar.gz and advertises a URL', async () => {
    const storage = await newStorage();
    const source = await tarball('one');
    const stored = await storage.store(ref, source);
    const hex = digestOf('one').slice('sha256:'.length);
    assert.equal(stored.digest, digestOf('one'));
    assert.equal(stored.size, 3);
    assert.equal(stored.path, `gitrepository/flux-system/podinfo/${hex}.tar.gz`);
    assert.equal(
      stored.url,
      `http://source-controller.weft-system.svc.cluster.local./gitrepository/flux-system/podinfo/${hex}.tar.gz`,
    );
    assert.equal(await readFile(join(storage.root, stored.path), 'utf8'), 'one');
    assert.equal(await storage.has(ref, stored.digest), true);
    assert.equal(await storage.has(ref, digestOf('other')), false);
    await assert.rejects(readFile(source), { code: 'ENOENT' });
    // Nothing but the artifact is left in the directory: no temp file.
    assert.deepEqual(await readdir(join(storage.root, 'gitrepository/flux-system/podinfo')), [
      `${hex}.tar.gz`,
    ]);
  });

  test('url accepts an address with scheme and port', () => {
    const storage = new Storage({ root: scratch, advertisedAddress: 'http://127.0.0.1:9090/' });
    assert.equal(
      storage.url(ref, digestOf('x')),
      `http://127.0.0.1:9090/gitrepository/flux-system/podinfo/${digestOf('x').slice(7)}.tar.gz`,
    );
  });

  test('refuses names that could escape the root', async () => {
    const storage = await newStorage();
    for (const bad of [
      { ...ref, name: '..' },
      { ...ref, namespace: 'a/b' },
      { ...ref, kind: '../x' },
    ]) {
      await assert.rejects(storage.store(bad, await tarball('x')), { code: 'InvalidReference' });
    }
    assert.throws(() => storage.path(ref, 'sha256:../../etc'), { code: 'InvalidReference' });
  });

  test('GC keeps the newest N, deletes older ones only past the TTL, never the current one', async () => {
    const clock = new FakeClock();
    const storage = await newStorage(clock);
    const stored = [];
    for (const content of ['a', 'b', 'c', 'd']) {
      stored.push(await storage.store(ref, await tarball(content)));
      clock.advance(1_000);
    }
    const [a, b, c, d] = stored.map((artifact) => artifact?.path);
    // Within the TTL nothing goes.
    assert.deepEqual(await storage.garbageCollect(ref, { current: digestOf('d') }), []);
    clock.advance(60_000);
    // `a` is the current one (e.g. a rollback to an older revision): it stays.
    assert.deepEqual(await storage.garbageCollect(ref, { current: digestOf('a') }), [b]);
    assert.deepEqual(
      (await readdir(join(storage.root, 'gitrepository/flux-system/podinfo'))).sort(),
      [a?.split('/').pop(), c?.split('/').pop(), d?.split('/').pop()].sort(),
    );
    assert.deepEqual(await storage.garbageCollect(ref, { current: digestOf('d'), keep: 1 }), [a, c].sort());
    assert.equal(await storage.has(ref, digestOf('d')), true);
  });

  test('storing the same content again refreshes its age', async () => {
    const clock = new FakeClock();
    const storage = await newStorage(clock);
    await storage.store(ref, await tarball('old'));
    clock.advance(1_000);
    await storage.store(ref, await tarball('new'));
    clock.advance(1_000);
    await storage.store(ref, await tarball('old'));
    clock.advance(120_000);
    const deleted = await storage.garbageCollect(ref, { keep: 1 });
    assert.deepEqual(deleted, [storage.relativePath(ref, digestOf('new'))]);
  });

  test('GC removes stray temp files once past the TTL', async () => {
    const clock = new FakeClock();
    const storage = await newStorage(clock);
    await storage.store(ref, await tarball('x'));
    const dir = join(storage.root, 'gitrepository/flux-system/podinfo');
    await writeFile(join(dir, '.0123abcd.tmp'), 'half-written');
    clock.current = new Date(Date.now() + 120_000);
    const deleted = await storage.garbageCollect(ref, { current: digestOf('x') });
    assert.deepEqual(deleted, ['gitrepository/flux-system/podinfo/.0123abcd.tmp']);
    assert.deepEqual(await readdir(dir), [`${digestOf('x').slice(7)}.tar.gz`]);
  });

  test('GC of an object that never stored anything deletes nothing', async () => {
    const storage = await newStorage();
    assert.deepEqual(await storage.garbageCollect({ ...ref, name: 'absent' }), []);
  });

  test('the same bytes for another object are a hard link of the first copy, its age refreshed', async () => {
    const clock = new FakeClock();
    const storage = await newStorage(clock);
    const first = await storage.store(ref, await tarball('shared'));
    clock.advance(5_000);
    const other = { ...ref, name: 'podinfo-2' };
    const second = await storage.store(other, await tarball('shared'));
    const [a, b] = await Promise.all([
      stat(join(storage.root, first.path)),
      stat(join(storage.root, second.path)),
    ]);
    assert.equal(a.ino, b.ino, 'one file, two directory entries');
    assert.equal(b.nlink, 2);
    assert.equal(b.mtimeMs, clock.now().getTime(), 'the second store refreshed the age');
    assert.equal(second.lastUpdateTime, clock.now().toISOString());
    assert.equal(await readFile(join(storage.root, second.path), 'utf8'), 'shared');
    assert.deepEqual(await readdir(join(storage.root, 'gitrepository/flux-system/podinfo-2')), [
      second.path.split('/').pop(),
    ]);
    // Storing it again for the same object leaves one entry, no temp link.
    await storage.store(other, await tarball('shared'));
    assert.equal((await readdir(join(storage.root, 'gitrepository/flux-system/podinfo-2'))).length, 1);
    // Deleting one copy leaves the other whole.
    await storage.removeAll(ref);
    assert.equal(await readFile(join(storage.root, second.path), 'utf8'), 'shared');
  });

  test('when the remembered copy is gone, the bytes are written (and fsynced) again', async () => {
    const storage = await newStorage();
    const first = await storage.store(ref, await tarball('gone'));
    await storage.removeAll(ref);
    const other = { ...ref, name: 'podinfo-3' };
    const second = await storage.store(other, await tarball('gone'));
    assert.equal(second.digest, first.digest);
    assert.equal((await stat(join(storage.root, second.path))).nlink, 1);
    assert.equal(await readFile(join(storage.root, second.path), 'utf8'), 'gone');
    // And it is the copy the next object links.
    const third = await storage.store({ ...ref, name: 'podinfo-4' }, await tarball('gone'));
    assert.equal((await stat(join(storage.root, third.path))).nlink, 2);
  });

  test('link stores bytes this storage holds for another object without a tarball, else says so', async () => {
    const clock = new FakeClock();
    const storage = await newStorage(clock);
    const other = { ...ref, name: 'linked' };
    assert.equal(await storage.link(other, digestOf('linkable')), undefined, 'nothing stored yet');
    const first = await storage.store(ref, await tarball('linkable'));
    clock.advance(1_000);
    const linked = await storage.link(other, first.digest);
    assert.deepEqual(linked, {
      path: storage.relativePath(other, first.digest),
      url: storage.url(other, first.digest),
      digest: first.digest,
      size: first.size,
      lastUpdateTime: clock.now().toISOString(),
    });
    assert.equal(
      (await stat(join(storage.root, linked.path))).ino,
      (await stat(join(storage.root, first.path))).ino,
    );
    await storage.removeAll(ref);
    await storage.removeAll(other);
    assert.equal(
      await storage.link({ ...ref, name: 'third' }, first.digest),
      undefined,
      'its copies are gone',
    );
  });

  test('removeAll deletes the object directory', async () => {
    const storage = await newStorage();
    const stored = await storage.store(ref, await tarball('x'));
    await storage.removeAll(ref);
    assert.equal(await storage.has(ref, stored.digest), false);
  });
});
