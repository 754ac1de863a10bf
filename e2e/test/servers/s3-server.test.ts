import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startS3Server } from '../../src/index.ts';

test('versitygw serves signed S3 requests and logs them', async () => {
  await using s3 = await startS3Server();
  await s3.createBucket('manifests');
  await s3.put('manifests', 'app/deploy.yaml', 'kind: ConfigMap\n');
  const listed = await s3.request('GET', '/manifests?list-type=2');
  assert.equal(listed.status, 200);
  assert.match(listed.text, /<Key>app\/deploy\.yaml<\/Key>/);
  assert.match(listed.text, /<ETag>/);
  const requests = await s3.requests();
  assert.deepEqual(requests.slice(-3), ['CreateBucket -', 'PutObject app/deploy.yaml', 'ListObjectsV2 -']);
  const unsigned = await fetch(`http://${s3.endpoint}/manifests?list-type=2`);
  assert.equal(unsigned.status, 403, 'an unsigned request is refused');
});
