import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { bootstrapComponents, kustomizationPath, syncFile } from './manifests.ts';
import { transportOf } from './remote.ts';
import { fingerprint, generateDeployKey } from './ssh-keys.ts';

describe('bootstrap deploy key', () => {
  it('is an OpenSSH ed25519 key that ssh-keygen reads, with the public key printed', async () => {
    const key = generateDeployKey('weft-test');
    const dir = await mkdtemp(join(tmpdir(), 'weft-key-'));
    try {
      await writeFile(join(dir, 'id'), key.privateKey, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')], { encoding: 'utf8' }).trim();
      assert.equal(derived, key.publicKey);
      const printed = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'id')], { encoding: 'utf8' });
      assert.ok(printed.includes(fingerprint(key.publicKey)), printed);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('bootstrap manifests', () => {
  it('syncs the namespace-named GitRepository and Kustomization on the path', () => {
    const docs = parseAllDocuments(
      syncFile({
        namespace: 'weft-system',
        url: 'ssh://git@example.com/fleet',
        branch: 'main',
        path: 'clusters/prod/',
        interval: '1m0s',
        secretName: 'weft-system',
      }),
    ).map((doc) => doc.toJS());
    assert.deepEqual(
      docs.map((doc) => [doc.kind, doc.metadata.name, doc.metadata.namespace]),
      [
        ['GitRepository', 'weft-system', 'weft-system'],
        ['Kustomization', 'weft-system', 'weft-system'],
      ],
    );
    assert.equal(docs[1].spec.path, './clusters/prod');
    assert.deepEqual(docs[0].spec.secretRef, { name: 'weft-system' });
    assert.equal(kustomizationPath(''), './');
    assert.equal(kustomizationPath('./a/b'), './a/b');
  });

  it('keeps the CRDs and the Namespace when a commit drops a controller', () => {
    const docs = parseAllDocuments(
      bootstrapComponents({
        namespace: 'weft-system',
        values: {},
        components: ['source-controller'],
        version: '0.1.0',
      }),
    ).map((doc) => doc.toJS());
    const kept = docs.filter((doc) => doc.metadata.annotations?.['kustomize.weft.dev/prune'] === 'disabled');
    assert.ok(kept.some((doc) => doc.kind === 'Namespace'));
    assert.ok(
      kept.length > 1 && kept.every((doc) => ['Namespace', 'CustomResourceDefinition'].includes(doc.kind)),
    );
  });

  it('takes ssh:// and https:// URLs and says how to write an scp-like one', () => {
    assert.equal(transportOf('https://example.com/fleet'), 'http');
    assert.equal(transportOf('ssh://git@example.com/fleet'), 'ssh');
    assert.throws(() => transportOf('git@example.com:fleet'), /write it as ssh:\/\//);
  });
});
