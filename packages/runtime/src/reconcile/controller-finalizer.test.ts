import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ObjectRef } from '@weft/runtime/client';
import { keyOf, ready, repo, setup } from './controller.fixture.ts';

/** A finalizer PATCH held until the test lets it go (or fail). */
function gatePatches(client: { patch(ref: ObjectRef, patch: unknown): Promise<KubeObject> }) {
  const real = client.patch.bind(client);
  let release: (error?: Error) => void = () => {};
  const released = new Promise<Error | undefined>((resolve) => {
    release = resolve;
  });
  client.patch = async (ref, patch) => {
    const error = await released;
    if (error) throw error;
    return real(ref, patch);
  };
  return release;
}

describe('Controller: the finalizer beside the reconcile (awaitsFinalizer)', () => {
  it('reconciles while the finalizer PATCH is in flight; the status is written after it landed', async () => {
    const order: string[] = [];
    const { informer, client, controller } = setup(
      async (obj, ctx) => {
        order.push('reconcile started');
        release();
        await ctx.finalizerAdded;
        order.push('finalizer awaited');
        obj.status = { ...obj.status, artifact: 'main@sha1:abc' };
      },
      { awaitsFinalizer: true },
    );
    const release = gatePatches(client);
    const obj = repo();
    informer.store.set(keyOf(obj), obj);
    await controller.reconcileKey(keyOf(obj));
    assert.deepEqual(order, ['reconcile started', 'finalizer awaited']);
    assert.equal(client.patches.length, 1);
    const stored = informer.get(keyOf(obj));
    assert.deepEqual(stored?.metadata.finalizers, ['finalizers.weft.dev']);
    assert.equal(stored?.status?.artifact, 'main@sha1:abc');
    assert.equal(ready(stored)?.status, 'True');
  });

  it('a finalizer that fails to land fails the pass: the reconciler sees it, no status is written', async () => {
    let stored = false;
    const { informer, client, controller } = setup(
      async (_obj, ctx) => {
        release(new Error('conflict: the object has been modified'));
        await ctx.finalizerAdded;
        stored = true;
      },
      { awaitsFinalizer: true },
    );
    const release = gatePatches(client);
    informer.store.set('flux-system/podinfo', repo());
    await assert.rejects(controller.reconcileKey('flux-system/podinfo'), /conflict/);
    assert.equal(stored, false, 'nothing after the await ran');
    assert.equal(client.statusPatches.length, 0);
  });

  it('a reconciler that fails before awaiting it still waits for it: its error, not a status, when it fails', async () => {
    const { informer, client, controller } = setup(
      async () => {
        release(new Error('forbidden'));
        throw new Error('fetch failed');
      },
      { awaitsFinalizer: true },
    );
    const release = gatePatches(client);
    informer.store.set('flux-system/podinfo', repo());
    await assert.rejects(controller.reconcileKey('flux-system/podinfo'), /forbidden/);
    assert.equal(client.statusPatches.length, 0);
  });

  it('without awaitsFinalizer, the finalizer lands before the reconcile starts', async () => {
    let finalizersSeen: string[] | undefined;
    const { informer, controller } = setup(async (obj, ctx) => {
      assert.equal(ctx.finalizerAdded, undefined);
      finalizersSeen = obj.metadata.finalizers;
    });
    informer.store.set('flux-system/podinfo', repo());
    await controller.reconcileKey('flux-system/podinfo');
    assert.deepEqual(finalizersSeen, ['finalizers.weft.dev']);
  });
});
