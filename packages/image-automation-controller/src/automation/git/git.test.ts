import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { createMessage, generateKey, readKey, readSignature, verify } from 'openpgp';
import { remoteFor } from './auth.ts';
import { AutomationGitError, redactUrl } from './errors.ts';
import { BranchLocks } from './push.ts';
import { openPgpSigner } from './signing.ts';
import { acceptedHostKeys, parseSshUrl } from './ssh.ts';

const keyA = Buffer.from('key-a').toString('base64');
const keyB = Buffer.from('key-b').toString('base64');

describe('ssh', () => {
  test('URLs: ssh:// with port and user, scp-like', () => {
    assert.deepEqual(parseSshUrl('ssh://git@127.0.0.1:2222/srv/repo.git'), {
      host: '127.0.0.1',
      port: 2222,
      username: 'git',
      path: '/srv/repo.git',
    });
    assert.deepEqual(parseSshUrl('deploy@git.example:org/repo.git'), {
      host: 'git.example',
      port: 22,
      username: 'deploy',
      path: 'org/repo.git',
    });
    assert.throws(() => parseSshUrl('https://git.example/repo'), AutomationGitError);
  });

  test('known_hosts: plain, [host]:port, wildcard, negated, hashed; markers never trusted', () => {
    const salt = Buffer.from('salt-bytes');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[h.example]:2222').digest('base64')}`;
    const knownHosts = [
      '# comment',
      `git.example ssh-ed25519 ${keyA}`,
      `[git.example]:2222 ssh-ed25519 ${keyB}`,
      `*.corp,!bad.corp ssh-ed25519 ${keyA}`,
      `${hashed} ssh-ed25519 ${keyB}`,
      `@revoked git.example ssh-ed25519 ${keyB}`,
      `@cert-authority *.example ssh-ed25519 ${keyB}`,
    ].join('\n');
    const keys = (host: string, port: number) =>
      acceptedHostKeys(knownHosts, host, port).map((key) => key.toString());
    assert.deepEqual(keys('git.example', 22), ['key-a']);
    assert.deepEqual(keys('git.example', 2222), ['key-b']);
    assert.deepEqual(keys('a.corp', 22), ['key-a']);
    assert.deepEqual(keys('bad.corp', 22), []);
    assert.deepEqual(keys('h.example', 2222), ['key-b']);
    assert.deepEqual(keys('other.example', 22), []);
  });
});

describe('remoteFor', () => {
  test('ssh needs identity and known_hosts; basic auth needs both halves', () => {
    assert.throws(
      () => remoteFor('ssh://git@h/r', undefined, undefined),
      /spec\.secretRef must name a secret/,
    );
    assert.throws(
      () => remoteFor('ssh://git@h/r', { name: 'ns/s', data: { identity: 'k' } }, undefined),
      /secret ns\/s has no key "known_hosts"/,
    );
    assert.throws(
      () => remoteFor('https://h/r', { name: 'ns/s', data: { username: 'u' } }, undefined),
      /secret ns\/s has no key "password"/,
    );
    assert.throws(() => remoteFor('file:///tmp/r', undefined, undefined), /unsupported Git URL/);
  });

  test('basic credentials go to isomorphic-git through onAuth, not the URL', () => {
    const remote = remoteFor(
      'https://h/r.git',
      { name: 'ns/s', data: { username: 'u', password: 'p' } },
      undefined,
    );
    assert.equal(remote.url, 'https://h/r.git');
    assert.deepEqual(remote.onAuth?.('https://h/r.git', {}), { username: 'u', password: 'p' });
  });

  test('URLs in messages lose their user info', () => {
    assert.equal(redactUrl('https://user:pw@h.example/r.git'), 'https://h.example/r.git');
  });
});

describe('BranchLocks', () => {
  test('runs of one key never overlap, other keys run beside them', async () => {
    const locks = new BranchLocks();
    const log: string[] = [];
    const work = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      locks.run('main', work('a', 30)),
      locks.run('main', work('b', 5)),
      locks.run('other', work('c', 5)),
    ]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.ok(log.indexOf('end a') < log.indexOf('start b'), log.join(', '));
    assert.ok(log.indexOf('start c') < log.indexOf('end a'), log.join(', '));
  });

  test('a failed run releases the lock', async () => {
    const locks = new BranchLocks();
    await assert.rejects(
      locks.run('k', async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await locks.run('k', async () => 'next'), 'next');
  });
});

describe('openPgpSigner', () => {
  test('signs the payload so the public key verifies it; a protected key needs its passphrase', async () => {
    const { privateKey, publicKey } = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'bot', email: 'bot@example.invalid' }],
      passphrase: 'pw',
      format: 'armored',
    });
    await assert.rejects(
      openPgpSigner('ns/k', { 'git.asc': privateKey }),
      /put its passphrase in key "passphrase"/,
    );
    await assert.rejects(
      openPgpSigner('ns/k', { 'git.asc': privateKey, passphrase: 'wrong' }),
      /"passphrase" does not unlock/,
    );
    await assert.rejects(openPgpSigner('ns/k', {}), /has no key "git.asc"/);
    await assert.rejects(
      openPgpSigner('ns/k', { 'git.asc': 'not a key' }),
      /is not an armored OpenPGP private key/,
    );
    const sign = await openPgpSigner('ns/k', { 'git.asc': privateKey, passphrase: 'pw' });
    const payload = 'tree 0123\nauthor bot <bot@example.invalid> 0 +0000\n\nmessage\n';
    const signature = await sign(payload);
    const result = await verify({
      message: await createMessage({ binary: new TextEncoder().encode(payload) }),
      signature: await readSignature({ armoredSignature: signature }),
      verificationKeys: await readKey({ armoredKey: publicKey }),
    });
    await result.signatures[0]?.verified;
    const tampered = await verify({
      message: await createMessage({ binary: new TextEncoder().encode(`${payload}x`) }),
      signature: await readSignature({ armoredSignature: signature }),
      verificationKeys: await readKey({ armoredKey: publicKey }),
    });
    await assert.rejects(tampered.signatures[0]?.verified ?? Promise.reject(new Error('no signature')));
  });
});
