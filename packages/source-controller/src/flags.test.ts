import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseSourceControllerFlags } from './flags.ts';

it('size caps are flags with Flux defaults; a bad value names the flag', () => {
  assert.deepEqual(parseSourceControllerFlags([], {}).limits, {
    helmIndexMaxSize: 50 * 1024 * 1024,
    helmChartMaxSize: 10 * 1024 * 1024,
    artifactMaxSize: 1024 * 1024 * 1024,
    artifactMaxFiles: 100_000,
  });
  const config = parseSourceControllerFlags(['--helm-chart-max-size=2048', '--artifact-max-files=10'], {});
  assert.equal(config.limits.helmChartMaxSize, 2048);
  assert.equal(config.limits.artifactMaxFiles, 10);
  assert.throws(() => parseSourceControllerFlags(['--artifact-max-size=1GiB'], {}), /artifact-max-size/);
});
