import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMessage, generateKey, readKey, readSignature, verify } from 'openpgp';
import { KeyedLocks } from './locks.ts';
import { openPgpSigner } from './signing.ts';

describe('KeyedLocks', () => {
  test('runs of one key never overlap, other keys run beside them', async () => {
    const locks = new KeyedLocks();
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
    const locks = new KeyedLocks();
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
