import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { HelmReleaseObject } from '../types.ts';
import { releaseNameOf } from './release-name.ts';
import { configDigest, decodeRelease, encodeRelease } from './storage.ts';

describe('release storage', () => {
  it("reads what Helm writes: the Secret's base64 of base64(gzip(JSON))", () => {
    const release = { name: 'app', version: 3, info: { status: 'deployed' } };
    const helmBytes = gzipSync(Buffer.from(JSON.stringify(release))).toString('base64');
    const apiValue = Buffer.from(helmBytes).toString('base64');
    assert.deepEqual(decodeRelease(apiValue), release);
    assert.deepEqual(decodeRelease(encodeRelease(release)), release);
  });

  it('digests values independently of key order', () => {
    assert.equal(configDigest({ a: 1, b: { c: [1, 2] } }), configDigest({ b: { c: [1, 2] }, a: 1 }));
    assert.notEqual(configDigest({ a: 1 }), configDigest({ a: 2 }));
  });
});

describe('release name', () => {
  const release = (name: string, spec: Partial<HelmReleaseObject['spec']> = {}) =>
    ({
      apiVersion: 'helm.weft.dev/v1',
      kind: 'HelmRelease',
      metadata: { name },
      spec: { interval: '1m', ...spec },
    }) as HelmReleaseObject;
  it('is [targetNamespace-]name, shortened with a hash past 53 characters', () => {
    assert.equal(releaseNameOf(release('app')), 'app');
    assert.equal(releaseNameOf(release('app', { targetNamespace: 'prod' })), 'prod-app');
    assert.equal(releaseNameOf(release('app', { releaseName: 'mine' })), 'mine');
    const long = releaseNameOf(release('a'.repeat(50), { targetNamespace: 'namespace' }));
    assert.equal(long.length, 53);
    assert.match(long, /^namespace-a{30}-[0-9a-f]{12}$/);
  });
});
