import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dockerConfigFor } from './credentials.ts';
import { credentialsFromPullSecret, tlsFromSecret } from './secret-material.ts';

test('reads .dockerconfigjson and the older .dockercfg', () => {
  const creds = { username: 'u', password: 'hunter2' };
  assert.deepEqual(
    credentialsFromPullSecret({ '.dockerconfigjson': dockerConfigFor('r.io', creds) }, 'r.io', 's'),
    creds,
  );
  const legacy = JSON.stringify({ 'r.io': { username: 'u', password: 'hunter2' } });
  assert.deepEqual(credentialsFromPullSecret({ '.dockercfg': legacy }, 'r.io', 's'), creds);
  assert.equal(credentialsFromPullSecret({ '.dockercfg': legacy }, 'other.io', 's'), undefined);
});

test('Docker Hub credentials are found under any of its names', () => {
  const creds = { username: 'u', password: 'p' };
  const data = { '.dockerconfigjson': dockerConfigFor('docker.io', creds) };
  assert.deepEqual(credentialsFromPullSecret(data, 'index.docker.io', 's'), creds);
  const written = { '.dockerconfigjson': dockerConfigFor('https://index.docker.io/v1/', creds) };
  assert.deepEqual(credentialsFromPullSecret(written, 'index.docker.io', 's'), creds);
});

test('a secret of the wrong type says so without its values', () => {
  assert.throws(
    () => credentialsFromPullSecret({ password: 'hunter2' }, 'r.io', 'secret ns/regcred'),
    (error: Error) =>
      /secret ns\/regcred has no .dockerconfigjson/.test(error.message) && !error.message.includes('hunter2'),
  );
});

test('TLS material: CA alone, certificate with key, never a certificate alone', () => {
  const pem = (text: string) => Buffer.from(text);
  assert.deepEqual(tlsFromSecret({ 'ca.crt': pem('CA') }, 's'), { ca: pem('CA') });
  assert.deepEqual(tlsFromSecret({ certFile: pem('C'), keyFile: pem('K') }, 's'), {
    cert: pem('C'),
    key: pem('K'),
  });
  assert.throws(() => tlsFromSecret({ 'tls.crt': pem('C') }, 'secret ns/tls'), /both tls.crt and tls.key/);
  assert.throws(() => tlsFromSecret({}, 'secret ns/tls'), /neither ca.crt nor tls.crt/);
});
