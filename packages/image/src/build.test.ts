import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildPauseImage } from './build.ts';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'weft-image-test-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));
const blob = (dir: string, digest: string) => join(dir, 'blobs', 'sha256', digest.replace('sha256:', ''));

test('the same binary gives the same image digest, in a standard OCI layout', async () => {
  const binary = join(scratch, 'program');
  await writeFile(binary, 'not really a program, bytes are bytes\n', { mode: 0o755 });
  const build = (name: string) =>
    buildPauseImage({
      binary,
      reference: 'weft.local/test/pause:1',
      out: join(scratch, name),
      work: join(scratch, `${name}-work`),
    });
  const a = await build('a');
  const b = await build('b');
  assert.equal(a.digest, b.digest);

  assert.deepEqual(await readJson(join(a.dir, 'oci-layout')), { imageLayoutVersion: '1.0.0' });
  const index = await readJson(join(a.dir, 'index.json'));
  assert.equal(index.manifests[0].digest, a.digest);
  assert.equal(index.manifests[0].annotations['io.containerd.image.name'], 'weft.local/test/pause:1');
  const manifest = await readJson(blob(a.dir, a.digest));
  const config = await readJson(blob(a.dir, manifest.config.digest));
  assert.deepEqual(config.config.Entrypoint, ['/pause']);
  assert.equal(config.config.User, '65535:65535');
  assert.equal(config.rootfs.diff_ids.length, 1);
  // The layer is a plain tar.gz: GNU tar lists it with fixed owners and times.
  const listing = execFileSync(
    'tar',
    ['--numeric-owner', '--full-time', '-tvzf', blob(a.dir, manifest.layers[0].digest)],
    {
      env: { ...process.env, TZ: 'UTC' },
    },
  ).toString();
  assert.match(listing, /^-rwxr-xr-x 0\/0 .* 1970-01-01 00:00:00 pause$/m);
});

test('another binary gives another digest', async () => {
  const binary = join(scratch, 'other');
  await writeFile(binary, 'other bytes\n', { mode: 0o755 });
  const image = await buildPauseImage({
    binary,
    reference: 'weft.local/test/pause:1',
    out: join(scratch, 'c'),
    work: join(scratch, 'c-work'),
  });
  const first = await readJson(join(scratch, 'a', 'index.json'));
  assert.notEqual(image.digest, first.manifests[0].digest);
});
