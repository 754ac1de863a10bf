import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Storage } from '@weft/artifact';
import type { KubeObject } from '@weft/runtime/client';
import { artifactRecovery, type RecoverableController } from './recovery.ts';

let scratch: string;
let storage: Storage;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'weft-recovery-test-'));
  storage = new Storage({ root: join(scratch, 'root'), advertisedAddress: '127.0.0.1:1' });
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const bytes = 'the artifact';
const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const path = `ocirepository/apps/web/${digest.slice(7)}.tar.gz`;
const ref = { kind: 'OCIRepository', namespace: 'apps', name: 'web' };

/** A controller whose "reconcile" (on queue.add) stores the artifact after `delayMs`, or never. */
function controllerOf(object: KubeObject | undefined, delayMs: number | undefined) {
  const queued: string[] = [];
  const controller: RecoverableController = {
    hasSynced: true,
    cached: (key) => (key === 'apps/web' ? object : undefined),
    queue: {
      add(key) {
        queued.push(key);
        if (delayMs === undefined) return;
        setTimeout(async () => {
          const tarball = join(scratch, `${Math.random()}.tar.gz`);
          await writeFile(tarball, bytes);
          await storage.store(ref, tarball);
        }, delayMs);
      },
    },
  };
  return { controller, queued };
}

const web = (artifactDigest: string): KubeObject =>
  ({
    apiVersion: 'source.weft.dev/v1',
    kind: 'OCIRepository',
    metadata: { name: 'web', namespace: 'apps' },
    status: { artifact: { digest: artifactDigest } },
  }) as KubeObject;

describe('artifactRecovery', () => {
  it('queues the object whose status names the missing artifact and waits until it is stored', async () => {
    await storage.removeAll(ref);
    const { controller, queued } = controllerOf(web(digest), 300);
    const recover = artifactRecovery({
      controllers: { ocirepository: controller },
      storage: () => storage,
      pollMs: 20,
    });
    assert.equal(await recover(path, new AbortController().signal), true);
    assert.deepEqual(queued, ['apps/web']);
    assert.equal(await storage.has(ref, digest), true);
  });

  it('answers false at once for a path no status names: another digest, another object, another kind', async () => {
    const { controller, queued } = controllerOf(web(`sha256:${'0'.repeat(64)}`), 0);
    const recover = artifactRecovery({ controllers: { ocirepository: controller }, storage: () => storage });
    const signal = new AbortController().signal;
    assert.equal(await recover(path, signal), false);
    assert.equal(await recover(`ocirepository/apps/other/${digest.slice(7)}.tar.gz`, signal), false);
    assert.equal(await recover(`bucket/apps/web/${digest.slice(7)}.tar.gz`, signal), false);
    assert.equal(await recover(`constructor/apps/web/${digest.slice(7)}.tar.gz`, signal), false);
    assert.deepEqual(queued, []);
  });

  it('gives up at the deadline or when the client goes away', { timeout: 60_000 }, async () => {
    await storage.removeAll(ref);
    const { controller } = controllerOf(web(digest), undefined);
    const recover = artifactRecovery({
      controllers: { ocirepository: controller },
      storage: () => storage,
      timeoutMs: 200,
      pollMs: 20,
    });
    assert.equal(await recover(path, new AbortController().signal), false);
    const gone = new AbortController();
    setTimeout(() => gone.abort(), 50);
    // A deadline far beyond the test's timeout: only the abort can end this wait in time.
    const patient = artifactRecovery({
      controllers: { ocirepository: controller },
      storage: () => storage,
      timeoutMs: 3_600_000,
    });
    assert.equal(await patient(path, gone.signal), false);
  });
});
