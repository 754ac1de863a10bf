/**
 * spec.storageNamespace other than the release namespace, against a real apiserver,
 * source-controller and the real helm: the own engine stores the revisions in that namespace
 * (`helm history -n <storage>` reads them), the objects stay in the release namespace, a failed
 * upgrade is rolled back, history past maxHistory deleted, and a deleted HelmRelease uninstalled
 * by the engine (the helm binary cannot reach such a release), and a release that needs the helm
 * binary is refused in words.
 * This file runs the controller without the long-running renderer: its renders are `helm
 * template` processes, the fallback when `--helm-renderer-path` is unset.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually } from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';
import { conditionOf, helm } from './helpers.ts';
import { releaseFixture } from './release-fixture.ts';

const {
  kubeconfigPath,
  client,
  ns,
  repo,
  helmRuns,
  hrRef,
  cmRef,
  createRepository,
  createRelease,
  statusOf,
  readyRelease,
  notReady,
} = await releaseFixture('hr-storage', { renderer: false });
await createRepository('repo', repo.url);
const storage = `${ns}-store`;
await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: storage } });
after(async () => {
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: storage }).catch(() => undefined);
});

type HistoryEntry = { revision: number; status: string; description: string };

async function storedHistory(release: string): Promise<HistoryEntry[]> {
  return JSON.parse(
    await helm(kubeconfigPath, ['history', release, '-n', storage, '-o', 'json']),
  ) as HistoryEntry[];
}

async function releaseSecrets(namespace: string, release: string): Promise<KubeObject[]> {
  return (
    await client.list({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace,
      labelSelector: `owner=helm,name=${release}`,
    })
  ).items;
}

describe('HelmRelease spec.storageNamespace', { timeout: 600_000 }, () => {
  it('stores the release in the storage namespace, upgrades, rolls back and uninstalls it there', async () => {
    await createRelease('stored', {
      storageNamespace: storage,
      values: { data: { greeting: 'kept' } },
      upgrade: { remediation: { retries: 1 } },
      maxHistory: 3,
    });
    const hr = await readyRelease('stored');
    assert.equal(statusOf(hr).storageNamespace, storage);
    assert.deepEqual((await client.get(cmRef('stored-config'))).data, { greeting: 'kept' });
    assert.deepEqual(
      (await storedHistory('stored')).map((h) => [h.revision, h.status]),
      [[1, 'deployed']],
    );
    assert.equal((await releaseSecrets(ns, 'stored')).length, 0, 'nothing stored in the release namespace');
    assert.deepEqual([helmRuns('install', 'stored'), helmRuns('upgrade', 'stored')], [0, 0]);

    await client.patch(hrRef('stored'), { spec: { values: { data: { greeting: 'again' } } } });
    await readyRelease(
      'stored',
      (obj) => (statusOf(obj).history as { version: number }[])?.[0]?.version === 2,
    );
    assert.deepEqual((await client.get(cmRef('stored-config'))).data, { greeting: 'again' });

    // An invalid object name: the apply fails, the upgrade is rolled back to revision 2 by the
    // engine (helm rollback would look for the release in the release namespace).
    await client.patch(hrRef('stored'), { spec: { values: { badName: true } } });
    await eventually(
      'failed upgrade rolled back in the storage namespace',
      async () => {
        const entries = (await storedHistory('stored')).map((h) => [h.revision, h.status, h.description]);
        return entries.some(
          ([, status, description]) => status === 'deployed' && description === 'Rollback to 2',
        )
          ? entries
          : undefined;
      },
      180_000,
    );
    await eventually('Remediated=True RollbackSucceeded', async () =>
      conditionOf(await client.get(hrRef('stored')), 'Remediated')?.reason === 'RollbackSucceeded'
        ? true
        : undefined,
    );
    assert.deepEqual((await client.get(cmRef('stored-config'))).data, { greeting: 'again' });
    assert.equal(helmRuns('rollback', 'stored'), 0);
    // maxHistory 3: each stored revision deletes the oldest past 3 (after the history the wait
    // above read, so waited for too; the retried upgrade may add revisions meanwhile).
    let revisions: number[] = [];
    await eventually('history trimmed to maxHistory 3', async () => {
      revisions = (await storedHistory('stored')).map((h) => h.revision);
      return revisions.length <= 3 && !revisions.includes(1) ? true : undefined;
    }).catch((error: Error) => assert.fail(`${error.message}; revisions stored: ${revisions.join(', ')}`));

    await client.delete(hrRef('stored'));
    await eventually('stored uninstalled', async () =>
      (await client.find(hrRef('stored'))) === undefined ? true : undefined,
    );
    assert.equal(await client.find(cmRef('stored-config')), undefined);
    assert.equal((await releaseSecrets(storage, 'stored')).length, 0);
    assert.equal(helmRuns('uninstall', 'stored'), 0);
  });

  it('refuses, in words, a release that needs the helm binary', async () => {
    await createRelease('stored-binary', { storageNamespace: storage, install: { createNamespace: true } });
    assert.match(
      await notReady('stored-binary', /storageNamespace/),
      new RegExp(
        `spec.storageNamespace '${storage}' differs from the release namespace '${ns}'.*needs the helm binary \\(install.createNamespace`,
      ),
    );
    assert.equal((await releaseSecrets(storage, 'stored-binary')).length, 0);
    assert.equal(await client.find(cmRef('stored-binary-config')), undefined);
  });
});
