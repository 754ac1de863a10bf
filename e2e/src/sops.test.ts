import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { plaintextLeaks, secretWord, sopsEncryptor } from './sops.ts';
import { toolBuilt } from './toolchain.ts';

const work = await mkdtemp(join(tmpdir(), 'e2e-sops-'));
after(() => rm(work, { recursive: true, force: true }));

describe('plaintextLeaks', () => {
  it('names each plaintext and each place it is found in, and counts the files read', async () => {
    const workDir = join(work, 'leaky');
    await mkdir(join(workDir, 'nested'), { recursive: true });
    await writeFile(join(workDir, 'nested', 'values.yaml'), 'password: hunter2\n');
    await writeFile(join(workDir, 'plain.yaml'), 'a: b\n');
    const found = await plaintextLeaks(
      { password: 'hunter2', token: 'tok-1' },
      {
        logs: 'reconciled app token=tok-1',
        events: [{ note: 'decrypted hunter2' }],
        status: { message: 'ok' },
        workDir,
      },
    );
    assert.deepEqual(found, {
      leaks: [
        'password plaintext in the Events',
        'password plaintext in the work directory',
        'token plaintext in the logs',
      ],
      filesRead: 2,
    });
  });

  it('finds nothing where nothing leaked', async () => {
    const workDir = join(work, 'clean');
    await mkdir(workDir);
    const found = await plaintextLeaks(
      { password: secretWord('password') },
      {
        logs: 'reconciled',
        events: [],
        status: { message: 'ok' },
        workDir,
      },
    );
    assert.deepEqual(found, { leaks: [], filesRead: 0 });
  });
});

describe('sopsEncryptor', () => {
  // The sops binary is built by `e2e/run setup`; without it there is nothing to run.
  it('encrypts with the real sops so that the plaintext is gone', {
    skip: !toolBuilt('sops') && 'sops is not built (e2e/run setup)',
  }, async () => {
    // A fixed, valid age recipient (X25519 public key); nobody needs the identity here.
    const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
    const encrypt = sopsEncryptor(recipient, work);
    const word = secretWord('value');
    const encrypted = await encrypt('doc.yaml', `secret: ${word}\n`);
    assert.ok(!encrypted.includes(word), 'the plaintext is not in the encrypted document');
    assert.match(encrypted, /^sops:$/m);
    assert.match(encrypted, new RegExp(recipient));
  });
});
