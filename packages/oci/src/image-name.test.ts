import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageName } from './image-name.ts';

test('Docker Hub names get the implied registry and library/', () => {
  assert.deepEqual(parseImageName('alpine'), {
    registry: 'index.docker.io',
    repository: 'library/alpine',
    canonicalName: 'index.docker.io/library/alpine',
  });
  assert.equal(parseImageName('stefanprodan/podinfo').canonicalName, 'index.docker.io/stefanprodan/podinfo');
  assert.equal(parseImageName('docker.io/alpine').canonicalName, 'index.docker.io/library/alpine');
});

test('a first part with a dot, a port or localhost is the registry', () => {
  assert.deepEqual(parseImageName('127.0.0.1:5000/team/app'), {
    registry: '127.0.0.1:5000',
    repository: 'team/app',
    canonicalName: '127.0.0.1:5000/team/app',
  });
  assert.equal(parseImageName('localhost/app').registry, 'localhost');
  assert.equal(parseImageName('ghcr.io/org/app').repository, 'org/app');
});

test('tags, digests, schemes and upper case are refused with the reason', () => {
  assert.throws(() => parseImageName('ghcr.io/org/app:v1'), /a tag names one image/);
  assert.throws(() => parseImageName(`alpine@sha256:${'a'.repeat(64)}`), /a digest names one image/);
  assert.throws(() => parseImageName('https://ghcr.io/org/app'), /without a scheme/);
  assert.throws(() => parseImageName('ghcr.io/Org/App'), /not a valid repository name/);
  assert.throws(() => parseImageName(''), /empty/);
});
