import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { authFromSecret, GitError, knownHostKeys, parseSshUrl, Remote, redactGitUrl } from './index.ts';

const keyA = Buffer.from('key-a').toString('base64');
const keyB = Buffer.from('key-b').toString('base64');

describe('ssh URLs and known_hosts', () => {
  test('ssh:// with port and user; the user defaults to git', () => {
    assert.deepEqual(parseSshUrl('ssh://deploy@127.0.0.1:2222/srv/repo.git'), {
      host: '127.0.0.1',
      port: 2222,
      username: 'deploy',
      path: '/srv/repo.git',
    });
    assert.equal(parseSshUrl('ssh://git.example/org/repo.git').username, 'git');
    assert.throws(() => parseSshUrl('https://git.example/repo'), GitError);
  });

  test('plain, [host]:port, wildcard, negated, hashed; @revoked apart; @cert-authority ignored', () => {
    const salt = Buffer.from('salt-bytes');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[h.example]:2222').digest('base64')}`;
    const knownHosts = [
      '# comment',
      `git.example ssh-ed25519 ${keyA}`,
      `[git.example]:2222 ssh-ed25519 ${keyB}`,
      `*.corp,!bad.corp ssh-rsa ${keyA}`,
      `${hashed} ssh-ed25519 ${keyB}`,
      `@revoked git.example ssh-ed25519 ${keyB}`,
      `@cert-authority *.example ssh-ed25519 ${keyB}`,
    ].join('\n');
    const keys = (host: string, port: number) =>
      knownHostKeys(knownHosts, host, port).accepted.map((key) => `${key.type} ${key.key.toString()}`);
    assert.deepEqual(keys('git.example', 22), ['ssh-ed25519 key-a']);
    assert.deepEqual(
      knownHostKeys(knownHosts, 'git.example', 22).revoked.map((key) => key.toString()),
      ['key-b'],
    );
    assert.deepEqual(keys('git.example', 2222), ['ssh-ed25519 key-b']);
    assert.deepEqual(keys('a.corp', 22), ['ssh-rsa key-a']);
    assert.deepEqual(keys('bad.corp', 22), []);
    assert.deepEqual(keys('h.example', 2222), ['ssh-ed25519 key-b']);
    assert.deepEqual(keys('other.example', 22), []);
  });
});

describe('authFromSecret', () => {
  const refused = (url: string, data: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => authFromSecret(url, 'ns/s', data),
      (error) => error instanceof GitError && error.code === 'InvalidSecret' && pattern.test(error.message),
    );

  test('ssh needs identity and known_hosts; its password is the passphrase', () => {
    refused('ssh://git@h/r', { known_hosts: 'x' }, /secret ns\/s has no key "identity"/);
    refused('ssh://git@h/r', { identity: 'k' }, /secret ns\/s has no key "known_hosts"/);
    assert.deepEqual(
      authFromSecret('ssh://git@h/r', 'ns/s', { identity: 'k', known_hosts: 'h', password: 'p' }),
      {
        secretName: 'ns/s',
        ssh: { identity: 'k', knownHosts: 'h', passphrase: 'p' },
      },
    );
  });

  test('https: both halves of basic auth, never with a bearer token, a PEM CA', () => {
    refused('https://h/r', { username: 'u' }, /has no key "password"/);
    refused('https://h/r', { password: 'p' }, /has no key "username"/);
    refused('https://h/r', { username: 'u', password: 'p', bearerToken: 't' }, /keep only one way/);
    refused('https://h/r', { 'ca.crt': 'not pem' }, /is not a PEM certificate bundle/);
    const pem = '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n';
    assert.deepEqual(authFromSecret('https://h/r', 'ns/s', { bearerToken: 't', caFile: pem }), {
      secretName: 'ns/s',
      bearerToken: 't',
      caCert: pem,
    });
  });
});

describe('Remote', () => {
  test('an ssh URL needs ssh credentials; other schemes are refused', () => {
    assert.throws(() => new Remote({ url: 'ssh://git@h/r' }), /is an ssh URL: set spec\.secretRef/);
    assert.throws(() => new Remote({ url: 'file:///tmp/r' }), /unsupported scheme/);
    assert.throws(() => new Remote({ url: 'not a url' }), /invalid repository URL/);
  });

  test('credentials leave the URL isomorphic-git sees and every message', () => {
    const remote = new Remote({ url: 'https://user:pw@h.example/r.git/' });
    assert.equal(remote.gitUrl, 'https://h.example/r.git');
    assert.equal(remote.displayUrl, 'https://h.example/r.git/');
    assert.equal(redactGitUrl('https://user:pw@h.example/r.git?token=x'), 'https://h.example/r.git');
    const denied = remote.translate(
      Object.assign(new Error('HTTP Error: 401'), { code: 'HttpError', data: { statusCode: 401 } }),
    );
    assert.equal(denied.code, 'AuthenticationFailed');
    assert.doesNotMatch(denied.message, /pw/);
    assert.equal(
      remote.translate(Object.assign(new Error('Could not find main.'), { code: 'NotFoundError' })).code,
      'RefNotFound',
    );
  });
});
