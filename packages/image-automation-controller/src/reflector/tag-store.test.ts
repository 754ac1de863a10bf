import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileTagStore, tagsRevision } from './tag-store.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-tagstore-'));
  dirs.push(dir);
  return dir;
}
const scan = (tags: string[]) => ({ canonicalImageName: 'r.io/app', scanTime: '2026-01-01T00:00:00Z', tags });

test('a list survives a new store on the same directory (a restart), sorted, with its revision', async () => {
  const dir = await tempDir();
  const stored = await new FileTagStore({ dir }).set('team/app', scan(['v2', 'v10', 'v1']));
  assert.deepEqual(stored.tags, ['v1', 'v10', 'v2']);
  assert.equal(stored.revision, tagsRevision(['v1', 'v10', 'v2']));
  const reread = await new FileTagStore({ dir }).get('team/app');
  assert.deepEqual(reread, stored);
  assert.equal(await new FileTagStore({ dir }).get('team/other'), undefined);
  assert.deepEqual(await readdir(join(dir, 'team')), ['app.tags.gz'], 'no temporary file left');
});

test('the revision does not depend on the registry order', () => {
  assert.equal(tagsRevision(['a', 'b'].sort()), tagsRevision(['b', 'a'].sort()));
  assert.notEqual(tagsRevision(['a']), tagsRevision(['a', 'b']));
});

test('delete removes the list; a corrupt or foreign file reads as never scanned', async () => {
  const dir = await tempDir();
  const store = new FileTagStore({ dir });
  await store.set('ns/a', scan(['1']));
  await store.delete('ns/a');
  assert.equal(await store.get('ns/a'), undefined);
  await store.set('ns/b', scan(['1']));
  const { gzipSync } = await import('node:zlib');
  await writeFile(join(dir, 'ns', 'b.tags.gz'), gzipSync('{"v":1,"key":"ns/b","revision":"sha256:x"}\n1'));
  assert.equal(await new FileTagStore({ dir }).get('ns/b'), undefined, 'revision mismatch: rescan');
  await assert.rejects(store.get('../etc/x'), /invalid ImageRepository key/);
});

test('memory holds at most memoryTags tags; evicted lists come back from disk', async () => {
  const dir = await tempDir();
  const store = new FileTagStore({ dir, memoryTags: 3 });
  await store.set('ns/one', scan(['a', 'b']));
  await store.set('ns/two', scan(['c', 'd']));
  assert.deepEqual((await store.get('ns/one'))?.tags, ['a', 'b']);
  assert.deepEqual((await store.get('ns/two'))?.tags, ['c', 'd']);
});
