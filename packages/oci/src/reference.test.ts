import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReference, parseReference } from './reference.ts';

const digest = `sha256:${'a'.repeat(64)}`;

test('parses host:port, nested repository, tag and digest', () => {
  assert.deepEqual(parseReference('oci://127.0.0.1:5000/team/app:v1.2.3'), {
    registry: '127.0.0.1:5000',
    repository: 'team/app',
    tag: 'v1.2.3',
  });
  assert.deepEqual(parseReference(`ghcr.io/org/manifests@${digest}`), {
    registry: 'ghcr.io',
    repository: 'org/manifests',
    digest,
  });
  assert.equal(formatReference(parseReference(`oci://r.io/a:t@${digest}`)), `r.io/a:t@${digest}`);
});

test('refuses what the distribution spec does not allow', () => {
  assert.throws(() => parseReference('oci://r.io'), /expected oci:\/\/<host>\/<repository>/);
  assert.throws(() => parseReference('oci://r.io/App'), /not a valid repository name/);
  assert.throws(() => parseReference('oci://r.io/app@sha256:short'), /not a sha256 digest/);
  assert.throws(() => parseReference('oci://r.io/app:-bad'), /not a valid tag/);
  assert.throws(
    () => parseReference('oci://r.io/app:v1', { allowTag: false }),
    /give the tag or digest in spec.ref/,
  );
});
