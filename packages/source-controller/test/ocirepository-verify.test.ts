import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type OciRegistry, startOciRegistry, testNamespace, toolPath, useCluster } from '@weft/e2e';
import { MediaType, pushArtifact, RegistryClient } from '@weft/oci';
import { Client } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import { installCrds, type KubeConfig } from './helpers.ts';
import { conditionOf, createSecret, filesDir, SourceKind, startController } from './oci-helpers.ts';

const run = promisify(execFile);
const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'ocisign');
const cosign = toolPath('cosign');

let client: Client;
let controller: Manager;
let registry: OciRegistry;
let publisher: RegistryClient;
let storageDir: string;
let keysDir: string;
let repos: SourceKind;
const shard = `sc-${randomBytes(3).toString('hex')}`;

/** `cosign generate-key-pair` in its own directory; returns the directory. */
async function keyPair(name: string): Promise<string> {
  const dir = join(keysDir, name);
  await import('node:fs/promises').then((fs) => fs.mkdir(dir));
  await run(cosign, ['generate-key-pair'], {
    cwd: dir,
    env: { ...process.env, COSIGN_PASSWORD: 'test-pass', HOME: dir },
  });
  return dir;
}

/** `cosign sign --key … --tlog-upload=false` of repository@digest on the loopback registry. */
async function sign(keyDir: string, repository: string, digest: string, extra: string[] = []): Promise<void> {
  await run(
    cosign,
    [
      'sign',
      ...extra,
      '--key',
      join(keyDir, 'cosign.key'),
      '--tlog-upload=false',
      '--allow-http-registry',
      '--yes',
      `${registry.host}/${repository}@${digest}`,
    ],
    { cwd: keyDir, env: { ...process.env, COSIGN_PASSWORD: 'test-pass', HOME: keyDir } },
  );
}

async function push(repository: string, tag: string, text: string) {
  const dir = await filesDir({ 'app.yaml': text });
  try {
    return await pushArtifact({ client: publisher, repository, tag, dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  storageDir = await mkdtemp(join(tmpdir(), 'weft-sc-storage-'));
  keysDir = await mkdtemp(join(tmpdir(), 'weft-sc-cosign-'));
  registry = await startOciRegistry();
  publisher = new RegistryClient({ registry: registry.host, insecure: true });
  repos = new SourceKind(client, 'OCIRepository', namespace, shard);
  controller = await startController(kubeConfig, storageDir, shard);
});

after(async () => {
  await controller?.stop();
  publisher?.close();
  await registry?.stop();
  await rm(storageDir, { recursive: true, force: true });
  await rm(keysDir, { recursive: true, force: true });
});

describe('OCIRepository verify (cosign)', () => {
  it('an artifact signed by the real cosign with the trusted key is Ready and SourceVerified; another key is refused', async () => {
    const trusted = await keyPair('trusted');
    const other = await keyPair('other');
    await createSecret(client, namespace, 'cosign-trusted', {
      'cosign.pub': await readFile(join(trusted, 'cosign.pub'), 'utf8'),
    });
    await createSecret(client, namespace, 'cosign-other', {
      'cosign.pub': await readFile(join(other, 'cosign.pub'), 'utf8'),
    });
    const pushed = await push('signed/app', 'v1', 'kind: ConfigMap\n');
    await sign(trusted, 'signed/app', pushed.digest);
    const verify = (secret: string) => ({ provider: 'cosign', secretRef: { name: secret } });
    await repos.create('signed', {
      url: registry.ociUrl('signed/app'),
      ref: { tag: 'v1' },
      insecure: true,
      verify: verify('cosign-trusted'),
    });
    const obj = await repos.waitReady('signed', `v1@${pushed.digest}`);
    assert.equal(conditionOf(obj, 'SourceVerified')?.status, 'True');
    assert.match(
      conditionOf(obj, 'SourceVerified')?.message ?? '',
      /verified cosign signature with cosign\.pub/,
    );

    await repos.create('other-key', {
      url: registry.ociUrl('signed/app'),
      ref: { tag: 'v1' },
      insecure: true,
      verify: verify('cosign-other'),
    });
    const refused = await repos.waitNotReady('other-key', 'VerificationError');
    assert.match(
      conditionOf(refused, 'Ready')?.message ?? '',
      /no cosign signature .* verifies with the keys of secret/,
    );
    assert.equal(conditionOf(refused, 'SourceVerified')?.status, 'False');
    assert.equal(refused.status?.artifact, undefined, 'no artifact');
  });

  it('a tampered artifact is refused: a valid signature copied onto other content, and an unsigned one', async () => {
    const trusted = join(keysDir, 'trusted');
    const original = await push('tampered/app', 'v1', 'replicas: 1\n');
    await sign(trusted, 'tampered/app', original.digest);
    // An attacker re-points v1 at other content and copies the original's signature manifest to
    // the new digest's signature tag: the signature is valid, but for the other digest.
    const evil = await push('tampered/app', 'v1', 'replicas: 100\n');
    const signature = await publisher.getManifest('tampered/app', `${original.digest.replace(':', '-')}.sig`);
    await publisher.pushManifest(
      'tampered/app',
      `${evil.digest.replace(':', '-')}.sig`,
      signature.bytes,
      MediaType.ociManifest,
    );
    await repos.create('tampered', {
      url: registry.ociUrl('tampered/app'),
      ref: { tag: 'v1' },
      insecure: true,
      verify: { provider: 'cosign', secretRef: { name: 'cosign-trusted' } },
    });
    const tampered = await repos.waitNotReady('tampered', 'VerificationError');
    assert.equal(tampered.status?.artifact, undefined);

    const unsigned = await push('unsigned/app', 'v1', 'x: 1\n');
    await repos.create('unsigned', {
      url: registry.ociUrl('unsigned/app'),
      ref: { tag: 'v1' },
      insecure: true,
      verify: { provider: 'cosign', secretRef: { name: 'cosign-trusted' } },
    });
    const missing = await repos.waitNotReady('unsigned', 'VerificationError');
    assert.match(
      conditionOf(missing, 'Ready')?.message ?? '',
      new RegExp(`no cosign signature found for unsigned/app@${unsigned.digest}`),
    );
  });

  it('a signature in the Sigstore bundle format (cosign --new-bundle-format, an OCI referrer) verifies; another key is refused', async () => {
    const trusted = join(keysDir, 'trusted');
    const other = join(keysDir, 'other');
    const bundleFlags = ['--new-bundle-format=true', '--use-signing-config=false'];
    const pushed = await push('bundled/app', 'v1', 'kind: ConfigMap\nb: 1\n');
    await sign(trusted, 'bundled/app', pushed.digest, bundleFlags);
    const signaturesOf = await publisher.listReferrers('bundled/app', pushed.digest);
    assert.ok(signaturesOf.length > 0, 'cosign stored the bundle as a referrer');
    await repos.create('bundled', {
      url: registry.ociUrl('bundled/app'),
      ref: { tag: 'v1' },
      insecure: true,
      verify: { provider: 'cosign', secretRef: { name: 'cosign-trusted' } },
    });
    const obj = await repos.waitReady('bundled', `v1@${pushed.digest}`);
    assert.match(conditionOf(obj, 'SourceVerified')?.message ?? '', /Sigstore bundle\) with cosign\.pub/);

    const otherPushed = await push('bundled-other/app', 'v1', 'kind: ConfigMap\nb: 2\n');
    await sign(other, 'bundled-other/app', otherPushed.digest, bundleFlags);
    await repos.create('bundled-other', {
      url: registry.ociUrl('bundled-other/app'),
      ref: { tag: 'v1' },
      insecure: true,
      verify: { provider: 'cosign', secretRef: { name: 'cosign-trusted' } },
    });
    const refused = await repos.waitNotReady('bundled-other', 'VerificationError');
    assert.match(conditionOf(refused, 'Ready')?.message ?? '', /verifies with the keys of secret/);
    assert.equal(refused.status?.artifact, undefined);
  });

  it('keyless verification says it needs network access to Sigstore and stalls', async () => {
    await push('keyless/app', 'v1', 'k: 1\n');
    await repos.create('keyless', {
      url: registry.ociUrl('keyless/app'),
      ref: { tag: 'v1' },
      insecure: true,
      verify: {
        provider: 'cosign',
        matchOIDCIdentity: [{ issuer: '^https://token.actions.githubusercontent.com$', subject: '.*' }],
      },
    });
    const obj = await repos.waitNotReady('keyless', 'VerificationError');
    assert.match(
      conditionOf(obj, 'Ready')?.message ?? '',
      /needs network access to Sigstore's Fulcio and Rekor services/,
    );
    assert.equal(conditionOf(obj, 'Stalled')?.status, 'True');
    assert.equal(obj.status?.artifact, undefined);
  });
});
