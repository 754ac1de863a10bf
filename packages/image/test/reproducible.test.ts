/**
 * A controller image built again from the same tree as the one `e2e/run setup` built: every
 * layer but the compile cache is the same bytes (V8's code cache is not byte-stable from run to
 * run), and so is the configuration apart from that layer's diff_id.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { imagesDir, repoRoot } from '@weft/e2e';
import { buildControllerImage } from '../src/index.ts';
import { imageInputsDigest } from '../src/inputs.ts';

const setupImage = join(imagesDir(), 'notification-controller');
const setupInputs = await readFile(`${setupImage}.inputs`, 'utf8').catch(() => undefined);
const skip =
  process.getuid?.() !== 0
    ? 'needs root (chroot)'
    : setupInputs !== (await imageInputsDigest(repoRoot, 'packages/notification-controller'))
      ? `no image of this tree in ${setupImage} (e2e/run setup builds it)`
      : false;

const scratch = await mkdtemp(join(tmpdir(), 'weft-image-repro-'));
after(() => rm(scratch, { recursive: true, force: true }));
const readJson = async (dir: string, digest: string) =>
  JSON.parse(await readFile(join(dir, 'blobs', 'sha256', digest.replace('sha256:', '')), 'utf8'));

test('the same inputs give the same runtime and application layers', { skip }, async () => {
  const a = await buildControllerImage({
    repoRoot,
    controller: 'notification-controller',
    out: join(scratch, 'again'),
    work: join(scratch, 'work'),
  });
  const index = JSON.parse(await readFile(join(setupImage, 'index.json'), 'utf8'));
  const b = { dir: setupImage, digest: index.manifests[0].digest as string };
  const [manifestA, manifestB] = [await readJson(a.dir, a.digest), await readJson(b.dir, b.digest)];
  const digests = (manifest: { layers: { digest: string }[] }) =>
    manifest.layers.map((layer) => layer.digest);
  assert.equal(manifestA.layers.length, 3);
  assert.deepEqual(digests(manifestA).slice(0, 2), digests(manifestB).slice(0, 2));
  const [configA, configB] = [
    await readJson(a.dir, manifestA.config.digest),
    await readJson(b.dir, manifestB.config.digest),
  ];
  configA.rootfs.diff_ids.pop();
  configB.rootfs.diff_ids.pop();
  assert.deepEqual(configA, configB);
  assert.deepEqual(configA.config.Entrypoint, [
    '/usr/local/bin/node',
    '/app/packages/notification-controller/bin/weft-notification-controller.js',
  ]);
  assert.equal(configA.config.User, '65532:65532');
  assert.ok(configA.config.Env.includes('NODE_COMPILE_CACHE=/app/compile-cache'));
});
