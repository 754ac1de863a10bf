import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '@weft/runtime/client';
import { chartTemplateObject, templateUpToDate } from './chart-template.ts';
import type { HelmReleaseObject } from './types.ts';

const release = {
  apiVersion: 'helm.weft.dev/v1',
  kind: 'HelmRelease',
  metadata: { name: 'app', namespace: 'apps' },
  spec: {
    interval: '5m',
    chart: {
      spec: { chart: 'podinfo', version: '6.x', sourceRef: { kind: 'HelmRepository', name: 'repo' } },
    },
  },
} as unknown as HelmReleaseObject;

/** The HelmChart as the API server returns it: status, uid, resourceVersion, other key order. */
function served(desired: KubeObject): KubeObject {
  return {
    status: { observedGeneration: 1 },
    kind: desired.kind,
    apiVersion: desired.apiVersion,
    metadata: { ...desired.metadata, uid: 'u', resourceVersion: '7', generation: 1 },
    spec: Object.fromEntries(Object.entries(desired.spec as Record<string, unknown>).reverse()),
  };
}

describe('the HelmChart of a spec.chart template', () => {
  it('is up to date when the live object has the same spec, labels and annotations', () => {
    const desired = chartTemplateObject(release);
    assert.equal(desired.metadata.name, 'apps-app');
    assert.equal(templateUpToDate(served(desired), desired), true);
  });

  it('is applied again when the spec, a label or an annotation differs', () => {
    const desired = chartTemplateObject(release);
    const live = served(desired);
    assert.equal(
      templateUpToDate({ ...live, spec: { ...(live.spec as object), version: '5.x' } }, desired),
      false,
    );
    assert.equal(
      templateUpToDate({ ...live, spec: { ...(live.spec as object), valuesFiles: ['x.yaml'] } }, desired),
      false,
      'a field the template no longer sets is removed by applying',
    );
    assert.equal(
      templateUpToDate({ ...live, metadata: { ...live.metadata, labels: { other: 'x' } } }, desired),
      false,
    );
    assert.equal(
      templateUpToDate({ ...live, metadata: { ...live.metadata, annotations: { a: 'b' } } }, desired),
      false,
    );
  });
});
