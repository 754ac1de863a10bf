import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { dsse } from '@sigstore/core';
import { parsePublicKeys, signatureTag, verifyBundle, verifySimpleSigning } from './cosign.ts';

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

/** A keyed Sigstore bundle as cosign --new-bundle-format writes it: DSSE over an in-toto statement. */
function bundleFor(
  subjectDigest: string,
  key: ReturnType<typeof pair>['privateKey'],
  predicateType = 'https://sigstore.dev/cosign/sign/v1',
) {
  const payloadType = 'application/vnd.in-toto+json';
  const payload = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'r.io/app', digest: { sha256: subjectDigest.replace('sha256:', '') } }],
      predicateType,
      predicate: {},
    }),
  );
  const sig = sign('sha256', dsse.preAuthEncoding(payloadType, payload), key).toString('base64');
  return Buffer.from(
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'k' }, tlogEntries: [] },
      dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig, keyid: '' }] },
    }),
  );
}

test('a Sigstore bundle: DSSE signed by a trusted key over a cosign statement for this digest verifies', () => {
  const trusted = pair();
  const other = pair();
  const keys = parsePublicKeys({ 'cosign.pub': pem(trusted.publicKey) }, 'ns/keys');
  assert.equal(verifyBundle(bundleFor(digest, trusted.privateKey), keys, digest), 'cosign.pub');
  assert.equal(verifyBundle(bundleFor(digest, other.privateKey), keys, digest), undefined, 'another key');
  assert.equal(
    verifyBundle(bundleFor(`sha256:${'b'.repeat(64)}`, trusted.privateKey), keys, digest),
    undefined,
    'a statement about another digest',
  );
  assert.equal(
    verifyBundle(bundleFor(digest, trusted.privateKey, 'https://slsa.dev/provenance/v1'), keys, digest),
    undefined,
    'an attestation is not a signature',
  );
  const tampered = JSON.parse(bundleFor(digest, trusted.privateKey).toString()) as {
    dsseEnvelope: { payloadType: string };
  };
  tampered.dsseEnvelope.payloadType = 'text/plain';
  assert.equal(
    verifyBundle(Buffer.from(JSON.stringify(tampered)), keys, digest),
    undefined,
    'PAE covers the type',
  );
  assert.equal(verifyBundle(Buffer.from('not json'), keys, digest), undefined);
});
