import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { parsePublicKeys, signatureTag, verifySimpleSigning } from './cosign.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const payloadFor = (manifestDigest: string) =>
  Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': 'r.io/app' },
        image: { 'docker-manifest-digest': manifestDigest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: ReturnType<typeof pair>['publicKey']) =>
  key.export({ type: 'spki', format: 'pem' }).toString();

test('the signature tag follows cosign: sha256-<hex>.sig', () => {
  assert.equal(signatureTag(digest), `sha256-${'a'.repeat(64)}.sig`);
});

test('a payload signed by a trusted key for this digest verifies; other keys, digests or bytes do not', () => {
  const trusted = pair();
  const other = pair();
  const keys = parsePublicKeys({ 'cosign.pub': pem(trusted.publicKey), 'note.txt': 'ignored' }, 'ns/keys');
  const payload = payloadFor(digest);
  const signature = sign('sha256', payload, trusted.privateKey).toString('base64');
  assert.equal(verifySimpleSigning(payload, signature, keys, digest), 'cosign.pub');
  const otherSignature = sign('sha256', payload, other.privateKey).toString('base64');
  assert.equal(verifySimpleSigning(payload, otherSignature, keys, digest), undefined, 'another key');
  assert.equal(
    verifySimpleSigning(payloadFor(`sha256:${'b'.repeat(64)}`), signature, keys, digest),
    undefined,
    'tampered payload',
  );
  const elsewhere = payloadFor(`sha256:${'b'.repeat(64)}`);
  const forElsewhere = sign('sha256', elsewhere, trusted.privateKey).toString('base64');
  assert.equal(
    verifySimpleSigning(elsewhere, forElsewhere, keys, digest),
    undefined,
    'a valid signature of another digest',
  );
});

test('a Secret without a usable public key is a terminal error naming it', () => {
  assert.throws(() => parsePublicKeys({ 'readme.txt': 'x' }, 'ns/keys'), /holds no \*\.pub public key/);
  assert.throws(
    () => parsePublicKeys({ 'cosign.pub': 'not pem' }, 'ns/keys'),
    /cosign\.pub in secret ns\/keys is not a PEM public key/,
  );
});
