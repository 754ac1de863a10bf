/**
 * spec.decryption for values against the real apiserver, source-controller and helm, with
 * documents encrypted by the real sops binary: a valuesFrom Secret and a values file inside the
 * chart are decrypted in memory and merged; the plaintext shows up in no log line, Event, status
 * or file of the controller's work directory. A wrong key is Ready=False naming the object, and
 * nothing is installed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HelmApiVersion, HelmReleaseKind, SourceApiVersion } from '@weft/api';
import { eventually, objectPlaintextLeaks, secretWord, sopsEncryptor } from '@weft/e2e';
import { isRecord, type KubeObject } from '@weft/runtime/client';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import {
  conditionOf,
  configMapChart,
  HelmRepo,
  helm,
  helmTestCluster,
  startHelmController,
  startSourceController,
} from './helpers.ts';

const { kubeConfig, kubeconfigPath, client, ns } = await helmTestCluster('hr-sops');
const scratch = await mkdtemp(join(tmpdir(), 'hr-sops-files-'));
const workParent = await mkdtemp(join(tmpdir(), 'hr-sops-work-'));
after(async () => {
  await rm(scratch, { recursive: true, force: true });
  await rm(workParent, { recursive: true, force: true });
});

const identity = await generateX25519Identity();
const recipient = await identityToRecipient(identity);
const plaintexts = { fromSecret: secretWord('secret'), fromFile: secretWord('file') };

const sopsEncrypt = sopsEncryptor(recipient, scratch);

const repo = await HelmRepo.start();
await repo.add(configMapChart('greeter', '1.0.0'), {
  'values-secret.yaml': await sopsEncrypt(
    'values-secret.yaml',
    `data:\n  fromFile: ${plaintexts.fromFile}\n`,
  ),
});
await startSourceController(kubeconfigPath, ns);
const logs: string[] = [];
await startHelmController(kubeConfig, kubeconfigPath, [ns], {
  logDestination: { write: (text) => void logs.push(text) },
  workParent,
});
await client.create({
  apiVersion: SourceApiVersion,
  kind: 'HelmRepository',
  metadata: { name: 'repo', namespace: ns },
  spec: { url: repo.url, interval: '1m' },
});

const hrRef = (name: string) => ({ apiVersion: HelmApiVersion, kind: HelmReleaseKind, namespace: ns, name });

async function createRelease(name: string, keys: string, valuesSecret: string): Promise<void> {
  await client.create({
    apiVersion: HelmApiVersion,
    kind: HelmReleaseKind,
    metadata: { name, namespace: ns },
    spec: {
      interval: '1m',
      chart: {
        spec: {
          chart: 'greeter',
          version: '1.x',
          sourceRef: { kind: 'HelmRepository', name: 'repo' },
          valuesFiles: ['values.yaml', 'values-secret.yaml'],
        },
      },
      decryption: { provider: 'sops', secretRef: { name: keys } },
      valuesFrom: [{ kind: 'Secret', name: valuesSecret }],
    },
  });
}

describe('HelmRelease spec.decryption (sops)', { timeout: 300_000 }, () => {
  it('merges a SOPS valuesFrom Secret and a SOPS values file decrypted, the plaintext nowhere else', async () => {
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sops-age', namespace: ns },
      stringData: { 'identity.agekey': `${identity}\n` },
    } as KubeObject);
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app-values', namespace: ns },
      stringData: {
        'values.yaml': await sopsEncrypt('values.yaml', `data:\n  fromSecret: ${plaintexts.fromSecret}\n`),
      },
    } as KubeObject);
    await createRelease('app', 'sops-age', 'app-values');
    await eventually(
      'app Ready',
      async () => (conditionOf(await client.get(hrRef('app')))?.status === 'True' ? true : undefined),
      180_000,
    );
    const config = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      name: 'app-config',
    });
    assert.deepEqual(config.data, {
      greeting: 'hello',
      fromFile: plaintexts.fromFile,
      fromSecret: plaintexts.fromSecret,
    });
    const values = JSON.parse(await helm(kubeconfigPath, ['get', 'values', 'app', '-n', ns, '-o', 'json']));
    assert.equal(values.data.fromSecret, plaintexts.fromSecret, 'helm get values shows the decrypted values');
    assert.equal(values.sops, undefined, 'no sops metadata in the release values');

    const logText = logs.join('');
    assert.ok(logText.includes('app'), 'the controller logged about this HelmRelease');
    const { leaks, filesRead } = await objectPlaintextLeaks(client, hrRef('app'), plaintexts, {
      logs: logText,
      workDir: workParent,
    });
    assert.ok(filesRead > 0, 'the chart was extracted into the work directory');
    assert.deepEqual(leaks, []);
  });

  it('says which object does not decrypt with a wrong key, installing nothing', async () => {
    const other = await generateX25519Identity();
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'wrong-age', namespace: ns },
      stringData: { 'identity.agekey': `${other}\n` },
    } as KubeObject);
    await createRelease('wrong', 'wrong-age', 'app-values');
    const ready = await eventually(
      'wrong Ready=False',
      async () => {
        const current = conditionOf(await client.get(hrRef('wrong')));
        return current?.status === 'False' && current.reason === 'InitFailed' ? current : undefined;
      },
      180_000,
    );
    assert.match(
      ready.message,
      /^decryption failed: values file 'values-secret.yaml' .*cannot decrypt the data key/,
    );
    const releases = JSON.parse(
      await helm(kubeconfigPath, ['ls', '-n', ns, '--deployed', '--failed', '--pending', '-o', 'json']),
    ) as {
      name: string;
    }[];
    assert.deepEqual(
      releases.map((r) => r.name),
      ['app'],
      'nothing installed for the release that does not decrypt',
    );
    const hr = await client.get(hrRef('wrong'));
    assert.ok(
      isRecord(hr.status) && (hr.status.history === undefined || (hr.status.history as []).length === 0),
    );
  });
});
