import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsFromDockerConfig, dockerConfigFor } from './credentials.ts';

test('finds the registry under any key form and decodes auth', () => {
  const auth = Buffer.from('bob:s3:cret').toString('base64');
  const json = JSON.stringify({ auths: { 'https://r.example:5000/v1/': { auth }, other: { auth: 'x' } } });
  assert.deepEqual(credentialsFromDockerConfig(json, 'r.example:5000', 'ns/secret'), {
    username: 'bob',
    password: 's3:cret',
  });
  assert.equal(credentialsFromDockerConfig(json, 'elsewhere.io', 'ns/secret'), undefined);
  const written = dockerConfigFor('h:1', { username: 'u', password: 'p' });
  assert.deepEqual(credentialsFromDockerConfig(written, 'h:1', 's'), { username: 'u', password: 'p' });
});

test('bad JSON is an error naming the secret, never its content', () => {
  assert.throws(
    () => credentialsFromDockerConfig('{"auths": {"h": {"auth": "hunter2"', 'h', 'ns/regcred'),
    (error: Error) => error.message.includes('ns/regcred') && !error.message.includes('hunter2'),
  );
  assert.throws(() => credentialsFromDockerConfig('{}', 'h', 'ns/regcred'), /no "auths" object/);
});
