/**
 * pushImageLayout sends only the blobs a repository lacks: against the real e2e registry (its
 * access log counts the uploads), a second push of the same image uploads nothing, and another
 * controller's image pushed into the same repository uploads only the layers that differ (the
 * Node runtime layer is the same in every controller image), or mounts them from another
 * repository that has them.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  blobExists,
  eventually,
  imagesDir,
  type OciRegistry,
  pullManifest,
  pushImageLayout,
  startOciRegistry,
} from '@weft/e2e';

const first = join(imagesDir(), 'notification-controller');
const second = join(imagesDir(), 'kustomize-controller');
const missing = [first, second].find((dir) => !existsSync(join(dir, 'index.json')));
const skip = missing ? `no image in ${missing} (e2e/run setup builds it)` : false;

interface Manifest {
  config: { digest: string };
  layers: { digest: string }[];
}

async function blobsOf(layout: string): Promise<string[]> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  const digest = (index.manifests[0].digest as string).replace('sha256:', '');
  const manifest = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', digest), 'utf8')) as Manifest;
  return [manifest.config.digest, ...manifest.layers.map((layer) => layer.digest)];
}

describe('pushImageLayout', { skip }, () => {
  let registry: OciRegistry;
  before(async () => {
    registry = await startOciRegistry({ accessLog: true });
  });
  after(() => registry?.stop());

  /**
   * The requests a push of `layout` as `repository:tag` made: blob uploads (the PUT that sends a
   * blob's bytes; a mount sends none) and blob HEADs.
   */
  async function counted(layout: string, tag: string, repository = 'weft/push-test', mountFrom?: string[]) {
    const before = registry.requests().length;
    const digest = await pushImageLayout({ url: registry.url }, layout, repository, tag, {
      ...(mountFrom ? { mountFrom } : {}),
    });
    // The access log comes from the registry's output: wait for the push's last request in it.
    const put = `PUT /v2/${repository}/manifests/${tag}`;
    const requests = await eventually('the manifest PUT in the access log', () => {
      const since = registry.requests().slice(before);
      return since.includes(put) ? since : undefined;
    });
    return {
      digest,
      uploads: requests.filter((r) => /^PUT \/v2\/.+\/blobs\/uploads\/./.test(r)).length,
      heads: requests.filter((r) => /^HEAD \/v2\/.+\/blobs\/sha256:/.test(r)).length,
    };
  }

  it('uploads every blob once, and nothing on a second push of the same image', async () => {
    const blobs = await blobsOf(first);
    const one = await counted(first, '1');
    assert.equal(one.uploads, blobs.length, 'config and every layer uploaded the first time');
    const two = await counted(first, '2');
    assert.equal(two.uploads, 0, 'the second push uploaded blobs the registry had');
    assert.equal(two.heads, blobs.length, 'asked for each blob');
    assert.equal(two.digest, one.digest);
    const pulled = await pullManifest({ url: registry.url }, 'weft/push-test', '2');
    assert.equal(pulled.digest, one.digest, 'the tag names the same manifest');
  });

  it("uploads only another image's new layers into the same repository", async () => {
    const [had, pushing] = [new Set(await blobsOf(first)), await blobsOf(second)];
    const fresh = pushing.filter((digest) => !had.has(digest));
    assert.ok(fresh.length < pushing.length, 'the images share a layer (the Node runtime)');
    const three = await counted(second, '3');
    assert.equal(three.uploads, fresh.length);
    console.log(
      `# second image into the same repository: ${three.uploads} of ${pushing.length} blobs uploaded`,
    );
  });

  it('mounts the blobs another repository has instead of uploading them', async () => {
    const [had, pushing] = [new Set(await blobsOf(first)), await blobsOf(second)];
    await counted(first, '1', 'weft/mount-a');
    const mounted = await counted(second, '1', 'weft/mount-b', ['weft/mount-a']);
    assert.equal(mounted.uploads, pushing.filter((digest) => !had.has(digest)).length);
    for (const digest of pushing)
      assert.ok(await blobExists({ url: registry.url }, 'weft/mount-b', digest), `${digest} in weft/mount-b`);
    const again = await counted(second, '2', 'weft/mount-c');
    assert.equal(again.uploads, pushing.length, 'without mountFrom every blob is uploaded');
  });
});
