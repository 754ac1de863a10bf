import assert from 'node:assert/strict';
import { it } from 'node:test';
import { HelmError } from './errors.ts';
import { ociChartReference, tagVersion } from './oci-chart.ts';

it('a chart of an OCI Helm repository is the repository path plus the chart name', () => {
  assert.deepEqual(ociChartReference('oci://127.0.0.1:5000/charts/', 'app'), {
    registry: '127.0.0.1:5000',
    repository: 'charts/app',
  });
  assert.throws(() => ociChartReference('oci://r.io/charts', 'App!'), HelmError);
});

it('tags write the + of a version as _', () => {
  assert.equal(tagVersion('1.2.3_build.4'), '1.2.3+build.4');
  assert.equal(tagVersion('1.2.3'), '1.2.3');
});
