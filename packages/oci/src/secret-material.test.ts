import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dockerConfigFor } from './credentials.ts';
import {
  credentialsFromPullSecret,
  type PullSecretReader,
  registryCredentials,
  tlsFromSecret,
} from './secret-material.ts';

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

/** Secrets and ServiceAccounts of one namespace, as a controller's reader would return them. */
function readerOf(
  secrets: Record<string, Record<string, string>>,
  accounts: Record<string, string[]>,
): PullSecretReader & { read: string[] } {
  const read: string[] = [];
  return {
    read,
    async secretData(namespace, name, field) {
      read.push(`${namespace}/${name} (${field})`);
      const data = secrets[name];
      if (!data) throw new Error(`secret ${namespace}/${name} not found`);
      return data;
    },
    async imagePullSecrets(namespace, name) {
      const names = accounts[name];
      if (!names) throw new Error(`service account ${namespace}/${name} not found`);
      return names;
    },
  };
}

test('registryCredentials: spec.secretRef first, then each pull secret of the service account', async () => {
  const mine = { username: 'me', password: 'p1' };
  const theirs = { username: 'sa', password: 'p2' };
  const reader = readerOf(
    {
      ref: { '.dockerconfigjson': dockerConfigFor('other.io', mine) },
      pull1: { '.dockerconfigjson': dockerConfigFor('elsewhere.io', theirs) },
      pull2: { '.dockerconfigjson': dockerConfigFor('r.io', theirs) },
    },
    { robot: ['pull1', 'pull2'] },
  );
  const refs = { namespace: 'ns', secretRef: { name: 'ref' }, serviceAccountName: 'robot' };
  assert.deepEqual(await registryCredentials(reader, refs, 'r.io'), theirs);
  assert.deepEqual(reader.read, [
    'ns/ref (spec.secretRef)',
    'ns/pull1 (imagePullSecrets of service account robot)',
    'ns/pull2 (imagePullSecrets of service account robot)',
  ]);
  assert.deepEqual(await registryCredentials(reader, refs, 'other.io'), mine);
  assert.equal(await registryCredentials(reader, refs, 'none.io'), undefined);
  assert.equal(await registryCredentials(reader, { namespace: 'ns' }, 'r.io'), undefined);
});

test("registryCredentials: basic auth only where asked, and the reader's errors pass through", async () => {
  const reader = readerOf({ basic: { username: 'u', password: 'hunter2' } }, {});
  const refs = { namespace: 'ns', secretRef: { name: 'basic' } };
  assert.deepEqual(await registryCredentials(reader, { ...refs, basicAuthSecret: true }, 'r.io'), {
    username: 'u',
    password: 'hunter2',
  });
  await assert.rejects(
    registryCredentials(reader, refs, 'r.io'),
    (error: Error) =>
      /secret ns\/basic \(spec.secretRef\) has no .dockerconfigjson/.test(error.message) &&
      !error.message.includes('hunter2'),
  );
  await assert.rejects(
    registryCredentials(reader, { namespace: 'ns', serviceAccountName: 'gone' }, 'r.io'),
    /service account ns\/gone not found/,
  );
});
