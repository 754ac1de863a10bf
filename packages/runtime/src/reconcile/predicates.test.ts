import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Annotation } from '@weft/api';
import type { Client, KubeObject } from '@weft/runtime/client';
import type { Informer } from '@weft/runtime/informer';
import { defaultUpdatePredicate, type InformerLike, type PatchClient } from '@weft/runtime/reconcile';
import { type Repo, repo } from './controller.fixture.ts';

describe('update predicates', () => {
  const base = repo();
  const variant = (change: (o: Repo) => void): Repo => {
    const copy = structuredClone(base);
    copy.metadata.resourceVersion = '2';
    change(copy);
    return copy;
  };
  it('ignore status-only changes', () => {
    assert.equal(
      defaultUpdatePredicate(
        base,
        variant((o) => (o.status = { observedGeneration: 1 })),
      ),
      false,
    );
  });
  it('pass generation, requestedAt, label and deletion changes, and resyncs', () => {
    assert.equal(
      defaultUpdatePredicate(
        base,
        variant((o) => (o.metadata.generation = 2)),
      ),
      true,
    );
    assert.equal(
      defaultUpdatePredicate(
        base,
        variant((o) => (o.metadata.annotations = { [Annotation.ReconcileRequestedAt]: 'x' })),
      ),
      true,
    );
    assert.equal(
      defaultUpdatePredicate(
        base,
        variant((o) => (o.metadata.annotations = { other: 'x' })),
      ),
      false,
    );
    assert.equal(
      defaultUpdatePredicate(
        base,
        variant((o) => (o.metadata.labels = { team: 'a' })),
      ),
      true,
    );
    assert.equal(
      defaultUpdatePredicate(
        base,
        variant((o) => (o.metadata.deletionTimestamp = 'now')),
      ),
      true,
    );
    assert.equal(defaultUpdatePredicate(base, base), true);
  });
});

describe('runtime parts fit the controller contract', () => {
  it('the Informer and Client classes satisfy InformerLike and PatchClient (checked by tsc)', () => {
    const informerFits: Informer<KubeObject> extends InformerLike<KubeObject> ? true : false = true;
    const clientFits: Client extends PatchClient ? true : false = true;
    assert.deepEqual([informerFits, clientFits], [true, true]);
  });
});
