import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../client/types.ts';
import { JsonPointerError, parseJsonPointer, withIgnoredFields } from './ignore.ts';

const deployment = (replicas: number | undefined, image: string, annotations: Record<string, string> = {}) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'app', annotations },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      template: { spec: { containers: [{ name: 'web', image }] } },
    },
  }) as KubeObject;

describe('withIgnoredFields', () => {
  it('takes ignored values from the live object and keeps every other desired value', () => {
    const desired = deployment(2, 'web:2');
    const live = deployment(5, 'web:hand-edited');
    const result = withIgnoredFields(desired, live, ['/spec/replicas']);
    assert.equal((result.spec as { replicas: number }).replicas, 5);
    assert.deepEqual(result.spec as typeof desired.spec & object, {
      ...(desired.spec as object),
      replicas: 5,
    });
    assert.equal((desired.spec as { replicas: number }).replicas, 2, 'the input is not changed');
  });

  it('leaves a field out when the live object has none, and escapes / and ~ in tokens', () => {
    const desired = deployment(2, 'web:2', { 'cert-manager.io/issuer': 'git', keep: 'git' });
    const live = deployment(undefined, 'web:2', { keep: 'live' });
    const result = withIgnoredFields(desired, live, [
      '/spec/replicas',
      '/metadata/annotations/cert-manager.io~1issuer',
    ]);
    assert.equal('replicas' in (result.spec as object), false);
    assert.deepEqual(result.metadata.annotations, { keep: 'git' });
  });

  it('reaches into lists by index', () => {
    const result = withIgnoredFields(deployment(1, 'web:2'), deployment(1, 'web:injected'), [
      '/spec/template/spec/containers/0/image',
    ]);
    const spec = result.spec as { template: { spec: { containers: { image: string }[] } } };
    assert.equal(spec.template.spec.containers[0]?.image, 'web:injected');
  });

  it('applies every field to an object that does not exist yet', () => {
    const desired = deployment(2, 'web:2');
    assert.equal(withIgnoredFields(desired, undefined, ['/spec/replicas']), desired);
  });

  it('refuses a path that is not a JSON pointer', () => {
    assert.throws(() => parseJsonPointer('spec.replicas'), JsonPointerError);
  });
});
