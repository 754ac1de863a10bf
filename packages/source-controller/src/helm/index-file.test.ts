import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HelmError } from './errors.ts';
import { chartDownloadUrl, indexUrl, parseIndex, selectChartVersion } from './index-file.ts';

const index = parseIndex(`apiVersion: v1
entries:
  podinfo:
    - {name: podinfo, version: 6.1.0, urls: [podinfo-6.1.0.tgz], digest: abc}
    - {name: podinfo, version: 6.0.2, urls: [charts/podinfo-6.0.2.tgz]}
    - {name: podinfo, version: 7.0.0-rc.1, urls: [https://cdn.example/podinfo-7.0.0-rc.1.tgz]}
`);

describe('Helm repository index', () => {
  it('picks the newest version in a range, without prereleases', () => {
    assert.equal(selectChartVersion(index, 'podinfo', '*').version, '6.1.0');
    assert.equal(selectChartVersion(index, 'podinfo', '6.0.x').version, '6.0.2');
    assert.equal(selectChartVersion(index, 'podinfo', '7.0.0-rc.1').version, '7.0.0-rc.1');
  });

  it('says which versions exist when none matches', () => {
    assert.throws(
      () => selectChartVersion(index, 'podinfo', '>=8'),
      (error: unknown) => error instanceof HelmError && /6\.1\.0, 6\.0\.2/.test(error.message),
    );
    assert.throws(() => selectChartVersion(index, 'nginx', '*'), /no chart named 'nginx'/);
  });

  it('resolves chart URLs relative to the repository', () => {
    assert.equal(
      chartDownloadUrl('http://h/repo', selectChartVersion(index, 'podinfo', '6.0.2')),
      'http://h/repo/charts/podinfo-6.0.2.tgz',
    );
    assert.equal(
      chartDownloadUrl('http://h/repo/', selectChartVersion(index, 'podinfo', '7.0.0-rc.1')),
      'https://cdn.example/podinfo-7.0.0-rc.1.tgz',
    );
    assert.equal(indexUrl('http://h/repo'), 'http://h/repo/index.yaml');
  });

  it('refuses documents that are not an index', () => {
    assert.throws(() => parseIndex('<html>not found</html>'), /no apiVersion or entries/);
    assert.throws(() => parseIndex('a: &x [1]\nb: *x\n'), HelmError);
  });
});
