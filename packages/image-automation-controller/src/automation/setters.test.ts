import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applySetters, type ImageRef, parseMarker, SetterFileError, type SetterRef } from './setters.ts';

const images: Record<string, ImageRef> = {
  'apps:app': { name: 'registry.example/app', tag: '1.2.3' },
  'apps:pinned': { name: 'registry.example/pinned', tag: '2.0.0', digest: 'sha256:abc' },
};
const lookup = (ref: SetterRef) => images[`${ref.namespace}:${ref.policy}`];
const apply = (text: string) => applySetters('f.yaml', text, lookup);

describe('parseMarker', () => {
  test('reads the policy and the part of the image', () => {
    assert.deepEqual(parseMarker(' {"$imagepolicy": "ns:p"}'), {
      namespace: 'ns',
      policy: 'p',
      field: 'image',
      setter: 'ns:p',
    });
    assert.equal(parseMarker('{"$imagepolicy": "ns:p:tag"}')?.field, 'tag');
    assert.equal(parseMarker('{"$imagepolicy": "ns:p:name"}')?.field, 'name');
    assert.equal(parseMarker('{"$imagepolicy": "ns:p:digest"}')?.field, 'digest');
  });
  test('refuses what is no marker', () => {
    for (const comment of [
      ' a comment',
      '{"$imagepolicy": "p"}',
      '{"$imagepolicy": "ns:p:bogus"}',
      '{"$imagepolicy": 3}',
      '{"$imagepolicy": "ns:p"',
      '{"other": "ns:p"}',
    ]) {
      assert.equal(parseMarker(comment), undefined, comment);
    }
  });
});

describe('applySetters', () => {
  test('replaces only the marked value: every other byte stays', () => {
    const before = [
      '# a deployment',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: app   # odd spacing kept',
      '  namespace: apps',
      '',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '      - name: app',
      '        image: registry.example/app:1.0.0 # {"$imagepolicy": "apps:app"}',
      '      - name: sidecar',
      '        image: other:1.0.0',
      '',
    ].join('\n');
    const { text, changes } = apply(before);
    assert.equal(text, before.replace('registry.example/app:1.0.0', 'registry.example/app:1.2.3'));
    assert.deepEqual(changes, [
      {
        setter: { namespace: 'apps', policy: 'app', field: 'image', setter: 'apps:app' },
        oldValue: 'registry.example/app:1.0.0',
        newValue: 'registry.example/app:1.2.3',
        object: { APIVersion: 'apps/v1', Kind: 'Deployment', Name: 'app', Namespace: 'apps' },
      },
    ]);
  });

  test('keeps the quoting style of the value', () => {
    const before = [
      'a: "x:1" # {"$imagepolicy": "apps:app"}',
      'b: \'x:1\' # {"$imagepolicy": "apps:app"}',
      'c: x:1 # {"$imagepolicy": "apps:app"}',
    ].join('\n');
    assert.equal(
      apply(before).text,
      [
        'a: "registry.example/app:1.2.3" # {"$imagepolicy": "apps:app"}',
        'b: \'registry.example/app:1.2.3\' # {"$imagepolicy": "apps:app"}',
        'c: registry.example/app:1.2.3 # {"$imagepolicy": "apps:app"}',
      ].join('\n'),
    );
  });

  test('tag, name and digest markers (kustomization images)', () => {
    const before = [
      'images:',
      '- name: app',
      '  newName: old/app # {"$imagepolicy": "apps:pinned:name"}',
      '  newTag: "1.0" # {"$imagepolicy": "apps:pinned:tag"}',
      '  digest: sha256:old # {"$imagepolicy": "apps:pinned:digest"}',
      '- name: whole',
      '  image: x # {"$imagepolicy": "apps:pinned"}',
    ].join('\n');
    const { text, changes } = apply(before);
    assert.equal(
      text,
      [
        'images:',
        '- name: app',
        '  newName: registry.example/pinned # {"$imagepolicy": "apps:pinned:name"}',
        '  newTag: "2.0.0" # {"$imagepolicy": "apps:pinned:tag"}',
        '  digest: sha256:abc # {"$imagepolicy": "apps:pinned:digest"}',
        '- name: whole',
        '  image: registry.example/pinned:2.0.0@sha256:abc # {"$imagepolicy": "apps:pinned"}',
      ].join('\n'),
    );
    assert.deepEqual(
      changes.map((change) => change.setter.setter),
      ['apps:pinned:name', 'apps:pinned:tag', 'apps:pinned:digest', 'apps:pinned'],
    );
  });

  test('a digest marker without a reflected digest is left alone', () => {
    const before = 'digest: sha256:old # {"$imagepolicy": "apps:app:digest"}\n';
    assert.deepEqual(apply(before), { text: before, changes: [] });
  });

  test('multi-document files: each object is named in its changes', () => {
    const before = [
      'kind: A',
      'metadata: {name: one}',
      'image: x:1 # {"$imagepolicy": "apps:app"}',
      '---',
      '# between',
      'kind: B',
      'metadata:',
      '  name: two',
      'image: "x:1" # {"$imagepolicy": "apps:app:tag"}',
      '...',
      '',
    ].join('\n');
    const { text, changes } = apply(before);
    assert.equal(
      text,
      before
        .replace('image: x:1 #', 'image: registry.example/app:1.2.3 #')
        .replace('image: "x:1"', 'image: "1.2.3"'),
    );
    assert.deepEqual(
      changes.map((change) => `${change.object.Kind}/${change.object.Name}`),
      ['A/one', 'B/two'],
    );
  });

  test('CRLF line endings stay CRLF', () => {
    const before = 'kind: A\r\nimage: x:1 # {"$imagepolicy": "apps:app"}\r\nother: y\r\n';
    assert.equal(
      apply(before).text,
      'kind: A\r\nimage: registry.example/app:1.2.3 # {"$imagepolicy": "apps:app"}\r\nother: y\r\n',
    );
  });

  test('flow sequences and sequence items', () => {
    const before = [
      'args:',
      '- x:1 # {"$imagepolicy": "apps:app:tag"}',
      '- keep',
      'flow: [a, b]',
      'tags:',
      '  - \'v1\' # {"$imagepolicy": "apps:app:tag"}',
    ].join('\n');
    assert.equal(
      apply(before).text,
      [
        'args:',
        '- 1.2.3 # {"$imagepolicy": "apps:app:tag"}',
        '- keep',
        'flow: [a, b]',
        'tags:',
        '  - \'1.2.3\' # {"$imagepolicy": "apps:app:tag"}',
      ].join('\n'),
    );
  });

  test('a marker on the line below a value is not its marker', () => {
    const before = 'image: x:1\n# {"$imagepolicy": "apps:app"}\nnext: y\n';
    assert.deepEqual(apply(before), { text: before, changes: [] });
  });

  test('unknown policies and values already right are no change', () => {
    const before = [
      'a: x:1 # {"$imagepolicy": "apps:unknown"}',
      'b: registry.example/app:1.2.3 # {"$imagepolicy": "apps:app"}',
      'c: x:1 # {"$imagepolicy": "other-ns:app"}',
    ].join('\n');
    assert.deepEqual(apply(before), { text: before, changes: [] });
  });

  test('a value that would not stay plain YAML is quoted', () => {
    const text = applySetters('f.yaml', 'a: x # {"$imagepolicy": "apps:odd:tag"}\n', () => ({
      name: 'n',
      tag: 'has # hash',
    })).text;
    assert.equal(text, 'a: "has # hash" # {"$imagepolicy": "apps:odd:tag"}\n');
  });

  test('numbers written plain stay as written when unchanged (1.10 is not 1.1)', () => {
    const before = 'tag: 1.10 # {"$imagepolicy": "apps:ten:tag"}\n';
    assert.deepEqual(
      applySetters('f.yaml', before, () => ({ name: 'n', tag: '1.10' })),
      { text: before, changes: [] },
    );
  });

  test('comments, blank lines and unicode around the edit are kept', () => {
    const before =
      'kind: Ä # ünïcödé\n\n\n  # indented comment\nimage:    x:1    # {"$imagepolicy": "apps:app"}   \n';
    assert.equal(
      apply(before).text,
      'kind: Ä # ünïcödé\n\n\n  # indented comment\nimage:    registry.example/app:1.2.3    # {"$imagepolicy": "apps:app"}   \n',
    );
  });

  test('a file that is not YAML is a clear error naming it', () => {
    assert.throws(
      () => applySetters('deploy/bad.yaml', 'a: [\nimage: x # {"$imagepolicy": "apps:app"}\n', lookup),
      (error) => error instanceof SetterFileError && /^deploy\/bad\.yaml: not valid YAML/.test(error.message),
    );
  });

  test('a file without the marker token is not parsed at all', () => {
    const before = 'not: [valid yaml';
    assert.deepEqual(apply(before), { text: before, changes: [] });
  });
});
