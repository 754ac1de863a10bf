import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deleteAllAndWait } from './cleanup.ts';
import { installCrds } from './crds.ts';

type Ref = { apiVersion: string; kind: string; namespace?: string; name?: string };

/** Objects by namespace; a delete takes effect a few lists later, as a finalizer would. */
function finalizingStore(objects: Record<string, string[]>) {
  const deleting = new Map<string, number>();
  const deleted: string[] = [];
  return {
    deleted,
    async list(ref: Ref) {
      const namespace = ref.namespace ?? '';
      for (const [key, left] of deleting) {
        if (left > 0) deleting.set(key, left - 1);
        else {
          const [ns, name] = key.split('/') as [string, string];
          objects[ns] = (objects[ns] ?? []).filter((n) => n !== name);
          deleting.delete(key);
        }
      }
      return { items: (objects[namespace] ?? []).map((name) => ({ metadata: { name } })) };
    },
    async delete(ref: Ref & { name: string }) {
      deleted.push(`${ref.namespace}/${ref.name}`);
      deleting.set(`${ref.namespace}/${ref.name}`, 2);
    },
  };
}

describe('deleteAllAndWait', () => {
  it('deletes every object of the kind in each namespace and resolves once they are gone', async () => {
    const objects = { a: ['one', 'two'], b: ['three'], c: ['untouched'] };
    const store = finalizingStore(objects);
    await deleteAllAndWait(store, { apiVersion: 'x/v1', kind: 'Thing' }, ['a', 'b'], 5_000);
    assert.deepEqual(store.deleted, ['a/one', 'a/two', 'b/three']);
    assert.deepEqual(objects, { a: [], b: [], c: ['untouched'] });
  });

  it('fails naming the kind when the objects stay', async () => {
    const store = finalizingStore({ a: ['stuck'] });
    store.delete = async () => {};
    await assert.rejects(
      deleteAllAndWait(store, { apiVersion: 'x/v1', kind: 'Thing' }, ['a'], 500),
      /every Thing in a finalized/,
    );
  });
});

describe('installCrds', () => {
  it('applies each CRD as the field manager and waits until all are Established', async () => {
    const applied: string[] = [];
    let gets = 0;
    const client = {
      async apply(object: never, options: { force: boolean; fieldManager: string }) {
        applied.push(`${(object as { metadata: { name: string } }).metadata.name} ${options.fieldManager}`);
        return object;
      },
      async get(ref: Ref) {
        gets++;
        // Established from the third read on, as a new CRD becomes a moment after its create.
        const established = gets > 2 ? 'True' : 'False';
        return {
          metadata: { name: ref.name },
          status: { conditions: [{ type: 'Established', status: established }] },
        };
      },
    };
    await installCrds(client, [{ metadata: { name: 'a.x' } }, { metadata: { name: 'b.x' } }], 'me');
    assert.deepEqual(applied, ['a.x me', 'b.x me']);
    assert.ok(gets >= 4, `read until both were Established (${gets} reads)`);
  });
});
