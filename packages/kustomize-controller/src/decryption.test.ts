import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { toolPath } from '@weft/e2e';
import { sopsKeysFromSecret } from '@weft/sops';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptTree } from './decryption.ts';

const root = await realpath(await mkdtemp(join(tmpdir(), 'ks-decrypt-')));
after(() => rm(root, { recursive: true, force: true }));
const identity = await generateX25519Identity();
const recipient = await identityToRecipient(identity);
const keys = await sopsKeysFromSecret({ 'age.agekey': identity }, 'ns/keys');

/** Writes `content` encrypted by the real sops at `path` under the root. */
async function encrypted(path: string, content: string, args: string[] = []): Promise<string> {
  const plain = join(root, `${path}.plain`);
  await mkdir(join(plain, '..'), { recursive: true });
  await writeFile(plain, content);
  const name = path.split('/').pop() ?? path;
  const format = name.endsWith('.yaml') ? 'yaml' : name.endsWith('.env') ? 'dotenv' : 'binary';
  const type = ['--input-type', format, '--output-type', format];
  const out = execFileSync(toolPath('sops'), ['encrypt', '--age', recipient, ...type, ...args, plain], {
    encoding: 'utf8',
  });
  await rm(plain);
  await writeFile(join(root, path), out);
  return join(root, path);
}

describe('decryptTree', () => {
  it('decrypts the SOPS files of a tree in memory, skips plain and opted-out ones', async () => {
    const secret = await encrypted(
      'apps/secret.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n  k: plain-a\n',
      ['--encrypted-regex', '^stringData$'],
    );
    const optedOut = await encrypted(
      'apps/kept.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  annotations:\n    kustomize.weft.dev/decrypt: disabled\nstringData:\n  k: plain-b\n',
      ['--encrypted-regex', '^stringData$'],
    );
    const env = await encrypted('apps/app.env', 'TOKEN=plain-c\n');
    await writeFile(join(root, 'apps/plain.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n');
    const before = await readFile(secret, 'utf8');

    const files = await decryptTree(root, keys);
    assert.deepEqual([...files.keys()].sort(), [env, secret].sort());
    assert.match(files.get(secret)?.toString() ?? '', /k: plain-a/);
    assert.equal(files.get(env)?.toString(), 'TOKEN=plain-c\n');
    assert.equal(files.has(optedOut), false);
    assert.equal(await readFile(secret, 'utf8'), before, 'the file on disk stays encrypted');
  });

  it('names the file, relative to the root, that does not decrypt', async () => {
    const path = await encrypted('broken/secret.yaml', 'a: plain-d\n');
    await writeFile(
      path,
      (await readFile(path, 'utf8')).replace(/lastmodified: .*/, 'lastmodified: "2020-01-01T00:00:00Z"'),
    );
    await assert.rejects(
      decryptTree(join(root, 'broken'), keys),
      /^SopsError: secret\.yaml: the MAC does not decrypt/,
    );
  });
});
