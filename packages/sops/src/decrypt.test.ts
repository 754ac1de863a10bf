import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toolPath } from '@weft/e2e';
import { generateHybridIdentity, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { parse } from 'yaml';
import { decryptSops, isSopsEncrypted, type SopsKeys, sopsKeysFromSecret } from './index.ts';

// Every fixture is encrypted by the real sops binary (pinned in e2e/toolchain) with real keys.
const dir = mkdtempSync(join(tmpdir(), 'weft-sops-'));
const gnupgHome = join(dir, 'gnupg');
const env = { ...process.env, GNUPGHOME: gnupgHome, SOPS_AGE_KEY_FILE: join(dir, 'none') };

const plain = {
  yaml: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-yaml\n  port: "5432"\ndata:\n  count: 3\n  ratio: 1.5\n  on: true\n  list:\n    - a\n    - 2\n  empty: ""\n  none: null\n  noList: []\n',
  json: '{"user": "admin", "password": "hunter2-json", "nested": {"n": 1, "none": null}, "list": [true, "x"]}\n',
  dotenv: 'DB_PASSWORD=hunter2-env\nMULTI=line1\\nline2\n',
  ini: '[database]\npassword = hunter2-ini\nport = 5432\n\n[cache]\nurl = redis://cache\n',
  binary: Buffer.from([0, 1, 2, 0xff, 0xfe, ...Buffer.from('hunter2-binary')]),
};
const extension = { yaml: 'yaml', json: 'json', dotenv: 'env', ini: 'ini', binary: 'bin' } as const;
type Format = keyof typeof plain;

let x25519: string;
let hybrid: string;
let pgpFingerprint: string;
let pgpPrivate: string;
let keys: SopsKeys;

function sops(args: string[], input: string): string {
  return execFileSync(toolPath('sops'), args, {
    cwd: dir,
    env,
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Encrypts the plain fixture of `format` for a recipient; returns the encrypted file's path. */
function encrypt(format: Format, recipient: string[], name: string, extra: string[] = []): string {
  const source = join(dir, `${name}.plain.${extension[format]}`);
  writeFileSync(source, plain[format]);
  const types = format === 'binary' ? ['--input-type', 'binary', '--output-type', 'binary'] : [];
  const out = join(dir, `${name}.${extension[format]}`);
  writeFileSync(out, sops(['encrypt', ...types, ...recipient, ...extra, source], ''));
  return out;
}

before(async () => {
  x25519 = await generateX25519Identity();
  hybrid = await generateHybridIdentity();
  mkdirSync(gnupgHome, { mode: 0o700 });
  const uid = 'sops <sops@example.invalid>';
  execFileSync(
    'gpg',
    ['--batch', '--passphrase', '', '--quick-gen-key', uid, 'default', 'default', 'never'],
    { env },
  );
  const listing = execFileSync('gpg', ['--batch', '--with-colons', '--list-keys', uid], {
    env,
    encoding: 'utf8',
  });
  pgpFingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1] ?? '';
  pgpPrivate = execFileSync('gpg', ['--batch', '--armor', '--export-secret-keys', pgpFingerprint], {
    env,
    encoding: 'utf8',
  });
  keys = await sopsKeysFromSecret(
    { 'identity.agekey': `# keys\n${x25519}\n${hybrid}\n`, 'sops.asc': pgpPrivate },
    'flux-system/sops-keys',
  );
});

after(() => rmSync(dir, { recursive: true, force: true }));

function assertSame(format: Format, decrypted: Buffer): void {
  switch (format) {
    case 'yaml':
      assert.deepEqual(parse(decrypted.toString()), parse(plain.yaml));
      break;
    case 'json':
      assert.deepEqual(JSON.parse(decrypted.toString()), JSON.parse(plain.json));
      break;
    case 'dotenv':
      assert.equal(decrypted.toString(), plain.dotenv);
      break;
    case 'ini':
      assert.equal(
        decrypted.toString(),
        '[database]\npassword = hunter2-ini\nport = 5432\n\n[cache]\nurl = redis://cache\n',
      );
      break;
    case 'binary':
      assert.deepEqual(decrypted, plain.binary);
      break;
  }
}

const keyTypes = {
  age: async () => ['--age', await identityToRecipient(x25519)],
  'age post-quantum': async () => ['--age', await identityToRecipient(hybrid)],
  openpgp: async () => ['--pgp', pgpFingerprint],
};

describe('decryptSops', () => {
  for (const format of Object.keys(plain) as Format[]) {
    for (const [keyType, recipient] of Object.entries(keyTypes)) {
      it(`decrypts ${format} encrypted for ${keyType}`, async () => {
        const file = encrypt(format, await recipient(), `${format}-${keyType.replace(' ', '-')}`);
        const content = readFileSync(file);
        assert.ok(isSopsEncrypted(content, format === 'binary' ? 'binary' : format), 'recognised as SOPS');
        assertSame(format, await decryptSops(content, { keys, file: file.slice(dir.length + 1) }));
      });
    }
  }

  it('decrypts a Secret encrypted only under data and stringData, checking the plain fields too', async () => {
    const file = encrypt('yaml', await keyTypes.age(), 'regex', ['--encrypted-regex', '^(data|stringData)$']);
    const content = readFileSync(file, 'utf8');
    assert.match(content, /^kind: Secret$/m);
    assertSame('yaml', await decryptSops(Buffer.from(content), { keys, file: 'regex.yaml' }));
    const renamed = content.replace('name: db', 'name: other');
    await assert.rejects(decryptSops(Buffer.from(renamed), { keys, file: 'apps/regex.yaml' }), {
      message: 'apps/regex.yaml: MAC mismatch: the file was changed after it was encrypted',
    });
  });

  it('refuses a value moved to another key, naming the file and the key', async () => {
    const file = encrypt('dotenv', await keyTypes.age(), 'moved');
    const lines = readFileSync(file, 'utf8').split('\n');
    const password = lines.find((line) => line.startsWith('DB_PASSWORD='))?.slice('DB_PASSWORD='.length);
    const moved = lines.map((line) => (line.startsWith('MULTI=') ? `MULTI=${password}` : line)).join('\n');
    await assert.rejects(decryptSops(Buffer.from(moved), { keys, file: 'moved.env' }), {
      message:
        "moved.env: value at MULTI does not decrypt with the file's data key (was it edited or moved?)",
    });
  });

  it('says which master keys it could not open when the secret has the wrong key', async () => {
    const file = encrypt('yaml', await keyTypes.age(), 'wrong-key');
    const other = await sopsKeysFromSecret({ 'other.agekey': await generateX25519Identity() }, 'ns/other');
    const recipient = (await keyTypes.age())[1] ?? '';
    await assert.rejects(
      decryptSops(readFileSync(file), { keys: other, file: 'secret.yaml' }),
      (error: Error) => {
        assert.match(
          error.message,
          /^secret\.yaml: cannot decrypt the data key: no decryption key in the secret matches/,
        );
        assert.ok(error.message.includes(recipient));
        assert.ok(!error.message.includes('hunter2'));
        return true;
      },
    );
  });

  it('does not take a plain file for an encrypted one', () => {
    assert.equal(isSopsEncrypted(Buffer.from(plain.yaml), 'yaml'), false);
    assert.equal(isSopsEncrypted(Buffer.from('sops: {}\n'), 'yaml'), false);
    assert.equal(isSopsEncrypted(Buffer.from(plain.dotenv), 'dotenv'), false);
  });
});

describe('sopsKeysFromSecret', () => {
  it('refuses a secret without .agekey or .asc entries', async () => {
    await assert.rejects(sopsKeysFromSecret({ token: 'x' }, 'ns/keys'), /ns\/keys holds no decryption key/);
  });
});
