// biome-ignore-all lint/suspicious/noTemplateCurlyInString: manifests carry ${var} for postBuild substitution.
/**
 * spec.decryption against the real apiserver, with files encrypted by the real sops binary:
 * encrypted resources, secretGenerator files and envs, and substituteFrom Secret values are
 * applied decrypted, while the plaintext shows up in no log line, Event, status or file of the
 * controller's work directory. A wrong key fails the build naming the file, applying nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, objectPlaintextLeaks, secretWord, sopsEncryptor } from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import {
  configMap,
  dataOf,
  kustomization,
  kustomizationRef,
  kustomizeTestCluster,
  readyOf,
  startController,
  statusOf,
} from './helpers.ts';

const { kubeConfig, client, ns, source } = await kustomizeTestCluster('ks-sops');
const workDir = await mkdtemp(join(tmpdir(), 'ks-sops-work-'));
const scratch = await mkdtemp(join(tmpdir(), 'ks-sops-files-'));
const logs: string[] = [];
await startController(kubeConfig, [ns], [], {
  workDir,
  logDestination: { write: (text) => void logs.push(text) },
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

const plaintexts = {
  resource: secretWord('resource'),
  env: secretWord('env'),
  file: secretWord('file'),
  substitute: secretWord('substitute'),
};

const identity = await generateX25519Identity();
const recipient = await identityToRecipient(identity);

const sopsEncrypt = sopsEncryptor(recipient, scratch);

const ksRef = (name: string) => kustomizationRef(ns, name);
const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

describe('Kustomization spec.decryption (sops)', { timeout: 180_000 }, () => {
  it('applies encrypted resources, generator sources and substituteFrom values decrypted', async () => {
    const files = {
      'kustomization.yaml': [
        'resources: [secret.yaml, config.yaml]',
        'secretGenerator:',
        '  - name: generated',
        '    envs: [app.env]',
        '    files: [token.bin]',
        'generatorOptions: { disableNameSuffixHash: true }',
        '',
      ].join('\n'),
      'secret.yaml': await sopsEncrypt(
        'secret.yaml',
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${plaintexts.resource}\n`,
        ['--encrypted-regex', '^(data|stringData)$'],
      ),
      'app.env': await sopsEncrypt('app.env', `API_TOKEN=${plaintexts.env}\n`),
      'token.bin': await sopsEncrypt('token.bin', plaintexts.file),
      'config.yaml': configMap('greeting', { text: 'hello ${GREETING}' }),
    };
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sops-age', namespace: ns },
      stringData: { 'identity.agekey': `${identity}\n` },
    } as KubeObject);
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vars', namespace: ns },
      stringData: { GREETING: await sopsEncrypt('greeting', plaintexts.substitute) },
    } as KubeObject);
    const published = await source.publish(ns, 'sops', files);
    await client.create(
      kustomization(ns, 'sops', {
        sourceRef: { kind: 'GitRepository', name: 'sops' },
        targetNamespace: ns,
        decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
        postBuild: { substituteFrom: [{ kind: 'Secret', name: 'vars' }] },
      }),
    );
    const ks = await eventually('sops Ready', async () => {
      const current = await client.get(ksRef('sops'));
      return readyOf(current)?.status === 'True' &&
        statusOf(current).lastAppliedRevision === published.revision
        ? current
        : undefined;
    });
    assert.equal(readyOf(ks)?.reason, 'ReconciliationSucceeded');
    const db = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'db' });
    assert.equal(decode(dataOf(db).password), plaintexts.resource);
    const generated = await client.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: ns,
      name: 'generated',
    });
    assert.equal(decode(dataOf(generated).API_TOKEN), plaintexts.env);
    assert.equal(decode(dataOf(generated)['token.bin']), plaintexts.file);
    const greeting = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      name: 'greeting',
    });
    assert.equal(dataOf(greeting).text, `hello ${plaintexts.substitute}`);

    // Nowhere else: not in the logs, Events, the Kustomization's status, nor the work directory.
    const logText = logs.join('');
    assert.ok(logText.includes('sops'), 'the controller logged about this Kustomization');
    const { leaks, filesRead } = await objectPlaintextLeaks(client, ksRef('sops'), plaintexts, {
      logs: logText,
      workDir,
    });
    assert.ok(filesRead > 0, 'the artifact was extracted into the work directory');
    assert.deepEqual(leaks, []);
  });

  it('fails the build naming the file when the key does not match, applying nothing', async () => {
    const other = await generateX25519Identity();
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'wrong-age', namespace: ns },
      stringData: { 'identity.agekey': `${other}\n` },
    } as KubeObject);
    await source.publish(ns, 'wrong', {
      'kustomization.yaml': 'resources: [plain.yaml, secrets/db.yaml]\n',
      'plain.yaml': configMap('wrong-plain', { a: 'b' }),
      'secrets/db.yaml': await sopsEncrypt(
        'db.yaml',
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: wrong-db\nstringData:\n  password: ${plaintexts.resource}\n`,
      ),
    });
    await client.create(
      kustomization(ns, 'wrong', {
        sourceRef: { kind: 'GitRepository', name: 'wrong' },
        targetNamespace: ns,
        decryption: { provider: 'sops', secretRef: { name: 'wrong-age' } },
      }),
    );
    const failed = await eventually('wrong Ready=False', async () => {
      const current = await client.get(ksRef('wrong'));
      return readyOf(current)?.status === 'False' ? current : undefined;
    });
    assert.equal(readyOf(failed)?.reason, 'BuildFailed');
    assert.match(
      readyOf(failed)?.message ?? '',
      /^decryption failed: secrets\/db\.yaml: cannot decrypt the data key/,
    );
    assert.equal(
      await client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'wrong-plain' }),
      undefined,
    );
  });
});
