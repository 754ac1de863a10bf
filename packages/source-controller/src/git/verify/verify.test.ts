import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyringFromSecret } from './keyring.ts';
import { splitCommit } from './signed-object.ts';
import { verifyObject } from './verify.ts';

// Objects signed by the real git, gpg and ssh-keygen: what a user's repository holds.
const dir = mkdtempSync(join(tmpdir(), 'weft-verify-'));
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: dir,
  GNUPGHOME: join(dir, 'gnupg'),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Signer',
  GIT_AUTHOR_EMAIL: 'signer@example.invalid',
  GIT_COMMITTER_NAME: 'Signer',
  GIT_COMMITTER_EMAIL: 'signer@example.invalid',
  LC_ALL: 'C',
};
const repo = join(dir, 'repo');

function run(command: string, args: string[], cwd = dir): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function gpgKey(name: string): { fingerprint: string; armored: string } {
  run('gpg', [
    '--batch',
    '--passphrase',
    '',
    '--quick-gen-key',
    `${name} <${name}@example.invalid>`,
    'ed25519',
    'sign',
    'never',
  ]);
  const listing = run('gpg', ['--batch', '--with-colons', '--list-keys', `${name}@example.invalid`]);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1] ?? '';
  return { fingerprint, armored: run('gpg', ['--batch', '--armor', '--export', fingerprint]) };
}

function sshKey(name: string, type: string): { file: string; pub: string } {
  const file = join(dir, name);
  run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
  return { file, pub: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** Commits on main signed with the given git config; returns the raw commit object. */
function signedCommit(file: string, config: string[]): Buffer {
  writeFileSync(join(repo, file), file);
  run('git', ['add', file], repo);
  run('git', [...config, 'commit', '--quiet', '-S', '-m', `add ${file}`], repo);
  return execFileSync('git', ['cat-file', 'commit', 'HEAD'], { cwd: repo, env });
}

let alice: { fingerprint: string; armored: string };
let mallory: { fingerprint: string; armored: string };
let ed25519: { file: string; pub: string };
let ecdsa: { file: string; pub: string };
let rsa: { file: string; pub: string };

before(() => {
  run('mkdir', ['-p', env.GNUPGHOME]);
  run('chmod', ['700', env.GNUPGHOME]);
  alice = gpgKey('alice');
  mallory = gpgKey('mallory');
  ed25519 = sshKey('ed25519', 'ed25519');
  ecdsa = sshKey('ecdsa', 'ecdsa');
  rsa = sshKey('rsa', 'rsa');
  run('git', ['init', '--quiet', '--initial-branch=main', repo]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

const pgp = (key: { fingerprint: string }) => ['-c', `user.signingkey=${key.fingerprint}`];
const ssh = (key: { file: string }) => ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key.file}`];

describe('verifyObject', () => {
  it('accepts a commit signed by a trusted OpenPGP key and names its fingerprint', async () => {
    const raw = signedCommit('a', pgp(alice));
    const keyring = await keyringFromSecret({ 'alice.asc': alice.armored }, 'ns/keys');
    const verified = await verifyObject('commit', raw, keyring, 'commit HEAD');
    assert.deepEqual(verified, { fingerprint: alice.fingerprint, format: 'openpgp' });
  });

  it('refuses a commit signed by another OpenPGP key', async () => {
    const raw = signedCommit('b', pgp(mallory));
    const keyring = await keyringFromSecret({ 'alice.asc': alice.armored }, 'ns/keys');
    await assert.rejects(
      verifyObject('commit', raw, keyring, 'commit HEAD'),
      /not signed by a trusted OpenPGP key/,
    );
  });

  it('refuses an unsigned commit', async () => {
    writeFileSync(join(repo, 'c'), 'c');
    run('git', ['add', 'c'], repo);
    run('git', ['commit', '--quiet', '-m', 'unsigned'], repo);
    const raw = execFileSync('git', ['cat-file', 'commit', 'HEAD'], { cwd: repo, env });
    const keyring = await keyringFromSecret({ 'alice.asc': alice.armored }, 'ns/keys');
    await assert.rejects(verifyObject('commit', raw, keyring, 'commit HEAD'), /commit HEAD is not signed/);
  });

  it('refuses a signed commit whose content was changed', async () => {
    const raw = signedCommit('d', pgp(alice));
    const tampered = Buffer.from(raw.toString('utf8').replace('add d', 'add e'));
    const keyring = await keyringFromSecret({ 'alice.asc': alice.armored }, 'ns/keys');
    await assert.rejects(verifyObject('commit', tampered, keyring, 'commit HEAD'), /not signed by a trusted/);
  });

  for (const [name, key] of [
    ['ed25519', () => ed25519],
    ['ecdsa', () => ecdsa],
    ['rsa', () => rsa],
  ] as const) {
    it(`accepts a commit signed by a trusted SSH ${name} key in allowed_signers form`, async () => {
      const raw = signedCommit(`ssh-${name}`, ssh(key()));
      const keyring = await keyringFromSecret(
        { allowed_signers: `# team\nsigner@example.invalid namespaces="git,file" ${key().pub}\n` },
        'ns/keys',
      );
      const verified = await verifyObject('commit', raw, keyring, 'commit HEAD');
      const expected = run('ssh-keygen', ['-l', '-f', `${key().file}.pub`]).split(' ')[1];
      assert.deepEqual(verified, { fingerprint: expected, format: 'ssh' });
    });
  }

  it('refuses a commit signed by an SSH key that is not listed, naming the signer', async () => {
    const raw = signedCommit('ssh-other', ssh(ecdsa));
    const keyring = await keyringFromSecret({ allowed_signers: `* ${ed25519.pub}` }, 'ns/keys');
    const expected = run('ssh-keygen', ['-l', '-f', `${ecdsa.file}.pub`]).split(' ')[1] ?? '';
    await assert.rejects(
      verifyObject('commit', raw, keyring, 'commit HEAD'),
      (error: Error) =>
        error.message.includes('not signed by a trusted SSH key') && error.message.includes(expected),
    );
  });

  it('refuses an SSH-signed commit whose content was changed', async () => {
    const raw = signedCommit('ssh-tamper', ssh(ed25519));
    const tampered = Buffer.from(raw.toString('utf8').replace('add ssh-tamper', 'add ssh-tampered'));
    const keyring = await keyringFromSecret({ allowed_signers: `* ${ed25519.pub}` }, 'ns/keys');
    await assert.rejects(verifyObject('commit', tampered, keyring, 'commit HEAD'), /bad SSH signature/);
  });

  it('accepts annotated tags signed with OpenPGP and SSH', async () => {
    run('git', [...pgp(alice), 'tag', '-s', '-m', 'release', 'v1.0.0'], repo);
    run('git', [...ssh(ed25519), 'tag', '-s', '-m', 'release', 'v2.0.0'], repo);
    const keyring = await keyringFromSecret(
      { 'alice.asc': alice.armored, allowed_signers: `* ${ed25519.pub}` },
      'ns/keys',
    );
    const pgpTag = execFileSync('git', ['cat-file', 'tag', 'v1.0.0'], { cwd: repo, env });
    const sshTag = execFileSync('git', ['cat-file', 'tag', 'v2.0.0'], { cwd: repo, env });
    assert.equal((await verifyObject('tag', pgpTag, keyring, 'tag v1.0.0')).fingerprint, alice.fingerprint);
    assert.equal((await verifyObject('tag', sshTag, keyring, 'tag v2.0.0')).format, 'ssh');
    run('git', ['tag', '-a', '-m', 'unsigned', 'v3.0.0'], repo);
    const unsigned = execFileSync('git', ['cat-file', 'tag', 'v3.0.0'], { cwd: repo, env });
    await assert.rejects(verifyObject('tag', unsigned, keyring, 'tag v3.0.0'), /tag v3.0.0 is not signed/);
  });

  it('splits the gpgsig header off the signed payload exactly as git does', () => {
    const raw = signedCommit('split', pgp(alice));
    const { payload, signature } = splitCommit(raw);
    assert.match(signature ?? '', /^-----BEGIN PGP SIGNATURE-----\n[\s\S]*-----END PGP SIGNATURE-----$/);
    assert.ok(!payload.toString().includes('gpgsig'));
    assert.match(payload.toString(), /\n\nadd split\n$/);
  });
});

describe('keyringFromSecret', () => {
  it('names the secret and line of a malformed allowed_signers entry', async () => {
    await assert.rejects(
      keyringFromSecret({ allowed_signers: 'alice not-a-key' }, 'ns/keys'),
      /ns\/keys key "allowed_signers" line 1/,
    );
  });

  it('refuses a secret without any key', async () => {
    await assert.rejects(keyringFromSecret({}, 'ns/keys'), /holds no public key/);
  });
});
