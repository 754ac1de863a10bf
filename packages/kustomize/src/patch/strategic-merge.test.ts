import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { strategicMerge } from './strategic-merge.ts';

const deployment = (containers: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { template: { spec: { containers, ...extra } } },
});

type WithContainers = { spec: { template: { spec: { containers: { ports?: unknown }[] } } } };
const containersOf = (out: Record<string, unknown> | null): unknown[] => {
  assert.ok(out, 'the patch deleted the object');
  return (out as WithContainers).spec.template.spec.containers;
};

describe('strategic merge', () => {
  it('merges containers by name and puts new ones first, as kustomize does', () => {
    const out = strategicMerge(
      deployment([
        { name: 'a', image: 'a:1' },
        { name: 'b', image: 'b:1' },
      ]),
      deployment([
        { name: 'b', image: 'b:2' },
        { name: 'c', image: 'c:1' },
      ]),
    );
    assert.deepEqual(containersOf(out), [
      { name: 'b', image: 'b:2' },
      { name: 'c', image: 'c:1' },
      { name: 'a', image: 'a:1' },
    ]);
  });

  it('deletes a list element with $patch: delete and a field with null', () => {
    const out = strategicMerge(
      deployment([{ name: 'a', image: 'a:1', args: ['x'] }, { name: 'b' }]),
      deployment([
        { name: 'b', $patch: 'delete' },
        { name: 'a', args: null },
      ]),
    );
    assert.deepEqual(containersOf(out), [{ name: 'a', image: 'a:1' }]);
  });

  it('keeps a list empty when a patch deletes every element of it (krusty TestMultiplePatchesBothWithPatchDeleteDirective)', () => {
    const out = strategicMerge(
      deployment([{ name: 'a' }, { name: 'b' }]),
      deployment([
        { name: 'a', $patch: 'delete' },
        { name: 'b', $patch: 'delete' },
      ]),
    );
    assert.deepEqual(containersOf(out), []);
  });

  it('replaces a list that has no merge key (args) and a map with $patch: replace', () => {
    const out = strategicMerge(
      deployment([
        { name: 'a', args: ['1', '2'], resources: { limits: { cpu: '1' }, requests: { cpu: '1' } } },
      ]),
      deployment([{ name: 'a', args: ['3'], resources: { $patch: 'replace', limits: { memory: '1Gi' } } }]),
    );
    assert.deepEqual(containersOf(out), [
      { name: 'a', args: ['3'], resources: { limits: { memory: '1Gi' } } },
    ]);
  });

  // Checked against kustomize v5.8.2: the matched port keeps its place after the unmatched one.
  it('merges ports by containerPort and protocol', () => {
    const out = strategicMerge(
      deployment([
        {
          name: 'a',
          ports: [
            { containerPort: 53, protocol: 'UDP' },
            { containerPort: 53, protocol: 'TCP' },
          ],
        },
      ]),
      deployment([{ name: 'a', ports: [{ containerPort: 53, protocol: 'TCP', name: 'dns-tcp' }] }]),
    );
    const containers = containersOf(out) as { ports?: unknown }[];
    assert.deepEqual(containers[0]?.ports, [
      { containerPort: 53, protocol: 'UDP' },
      { containerPort: 53, protocol: 'TCP', name: 'dns-tcp' },
    ]);
  });

  it('replaces lists wholesale in kinds the API does not define', () => {
    const cr = {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'x' },
      spec: { items: [{ name: 'a' }, { name: 'b' }] },
    };
    const out = strategicMerge(cr, { ...cr, spec: { items: [{ name: 'c' }] } });
    assert.deepEqual(out?.spec, { items: [{ name: 'c' }] });
  });

  it('deletes the whole object with a top-level $patch: delete', () => {
    assert.equal(strategicMerge(deployment([]), { ...deployment([]), $patch: 'delete' }), null);
  });
});
