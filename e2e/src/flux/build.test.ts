import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { cacheDir } from '../toolchain.ts';
import { type FluxBuild, fluxBinaryPath, fluxBuilds, wrapperGoMod } from './build.ts';

const upstream = `module github.com/fluxcd/example-controller

go 1.26.0

toolchain go1.26.9

replace github.com/fluxcd/example-controller/api => ./api

replace (
\tgithub.com/fluxcd/example-controller/internal => ../internal
\tgithub.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1
)

require (
\tgithub.com/fluxcd/example-controller/api v1.2.3
\tgithub.com/fluxcd/pkg/artifact v0.18.3
)
`;

const build: FluxBuild = {
  name: 'example-controller',
  module: 'github.com/fluxcd/example-controller',
  version: 'v1.2.3',
  replaces: { 'github.com/fluxcd/pkg/artifact': 'v0.18.1' },
};

it("wraps the controller's go.mod: renamed, local replaces and toolchain dropped, the controller required", () => {
  const wrapper = wrapperGoMod(build, upstream);
  const lines = wrapper.split('\n');
  assert.equal(lines[0], 'module weft.dev/flux-bench/example-controller');
  assert.ok(!wrapper.includes('module github.com/fluxcd/example-controller'));
  assert.ok(!wrapper.includes('toolchain'));
  assert.ok(!wrapper.includes('=> ./api') && !wrapper.includes('=> ../internal'), 'local replaces dropped');
  assert.ok(
    wrapper.includes('github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1'),
  );
  assert.ok(lines.includes('go 1.26.0'));
  assert.ok(lines.includes('\tgithub.com/fluxcd/example-controller/api v1.2.3'), 'its api from the proxy');
  assert.ok(lines.includes('require github.com/fluxcd/example-controller v1.2.3'));
  assert.ok(
    lines.includes('replace github.com/fluxcd/pkg/artifact => github.com/fluxcd/pkg/artifact v0.18.1'),
  );
});

it('keeps the cache paths the benchmarks have always used: flux/<name>-<version>/<name>', () => {
  const flux = join(cacheDir(), 'flux');
  assert.equal(
    fluxBinaryPath(fluxBuilds['source-controller']),
    join(flux, 'source-controller-v1.9.6', 'source-controller'),
  );
  assert.equal(
    fluxBinaryPath(fluxBuilds['kustomize-controller']),
    join(flux, 'kustomize-controller-v1.9.6', 'kustomize-controller'),
  );
  assert.equal(
    fluxBinaryPath(fluxBuilds['helm-controller']),
    join(flux, 'helm-controller-v1.6.4', 'helm-controller'),
  );
  assert.equal(
    fluxBuilds['image-reflector-controller'].module,
    'github.com/fluxcd/image-reflector-controller',
  );
});
