/**
 * HelmReleases against a real apiserver, source-controller (from its bin) and the real helm:
 * install from an HTTP Helm repository, what `helm ls`/`helm history`/`helm get values` show,
 * upgrades on values and valuesFrom changes, a failing upgrade rolled back, a `helm rollback` by
 * hand corrected, a `helm install` adopted, and a pending release recovered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '@weft/e2e';
import { isRecord, type KubeObject } from '@weft/runtime/client';
import { conditionOf, helm } from './helpers.ts';
import { releaseFixture } from './release-fixture.ts';

const {
  kubeconfigPath,
  client,
  ns,
  repo,
  helmRuns,
  renders,
  hrRef,
  cmRef,
  createRepository,
  createRelease,
  statusOf,
  readyRelease,
  notReady,
  history,
  requestReconcile,
} = await releaseFixture('hr');

describe('HelmRelease', { timeout: 600_000 }, () => {
  it('installs from an HTTP Helm repository: Ready, and helm ls / history / get values show it', async () => {
    await createRepository('repo', repo.url);
    await createRelease('app', { values: { data: { greeting: 'hi' } } });
    const hr = await readyRelease('app');
    assert.match(
      conditionOf(hr)?.message ?? '',
      new RegExp(`Helm install succeeded for release ${ns}/app.v1 with chart greeter@1.0.0`),
    );
    assert.equal(statusOf(hr).lastAttemptedRevision, '1.0.0');
    assert.match(String(statusOf(hr).lastAttemptedConfigDigest), /^sha256:[0-9a-f]{64}$/);
    const list = JSON.parse(await helm(kubeconfigPath, ['ls', '-A', '-o', 'json'])) as {
      name: string;
      namespace: string;
      status: string;
      chart: string;
    }[];
    assert.ok(
      list.some(
        (r) =>
          r.name === 'app' && r.namespace === ns && r.status === 'deployed' && r.chart === 'greeter-1.0.0',
      ),
    );
    assert.deepEqual(
      (await history('app')).map((h) => [h.revision, h.status]),
      [[1, 'deployed']],
    );
    assert.deepEqual(
      JSON.parse(await helm(kubeconfigPath, ['get', 'values', 'app', '-n', ns, '-o', 'json'])),
      {
        data: { greeting: 'hi' },
      },
    );
    const cm = await client.get(cmRef('app-config'));
    assert.deepEqual(cm.data, { greeting: 'hi' });
    // The controller's own engine made it (rendered, no helm install): what helm read above is
    // the release storage the controller wrote. (A retried attempt renders again: at least one.)
    assert.ok(renders() >= 1, 'rendered by the own engine');
    assert.equal(helmRuns('install', 'app'), 0, 'no helm install');
    // The renderer gives the chart's NOTES.txt, stored as helm install stores it.
    assert.match(
      await helm(kubeconfigPath, ['get', 'notes', 'app', '-n', ns]),
      /greeter 1\.0\.0 is installed as app\./,
    );
    assert.equal(cm.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm');
    assert.equal(cm.metadata.annotations?.['meta.helm.sh/release-name'], 'app');
    const snapshots = statusOf(hr).history as { version: number; status: string; chartVersion: string }[];
    assert.deepEqual(
      snapshots.map((s) => [s.version, s.status, s.chartVersion]),
      [[1, 'deployed', '1.0.0']],
    );
    const events = await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: ns });
    assert.ok(
      events.items.some(
        (e) => isRecord(e.regarding) && e.regarding.name === 'app' && e.reason === 'InstallSucceeded',
      ),
    );
  });

  it('upgrades when spec.values change, and when a valuesFrom Secret changes', async () => {
    await client.patch(hrRef('app'), { spec: { values: { data: { greeting: 'hello again' } } } });
    await readyRelease('app', (hr) => (statusOf(hr).history as unknown[]).length === 2);
    assert.deepEqual((await client.get(cmRef('app-config'))).data, { greeting: 'hello again' });

    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app-values', namespace: ns },
      stringData: { 'values.yaml': 'data:\n  secret: one\n' },
    });
    await client.patch(hrRef('app'), {
      spec: {
        valuesFrom: [
          { kind: 'Secret', name: 'app-values' },
          {
            kind: 'Secret',
            name: 'app-values',
            valuesKey: 'token',
            targetPath: 'data.token',
            optional: true,
          },
        ],
      },
    });
    await readyRelease('app', (hr) => (statusOf(hr).history as unknown[]).length === 3);
    assert.deepEqual((await client.get(cmRef('app-config'))).data, {
      greeting: 'hello again',
      secret: 'one',
    });

    await client.patch(
      { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'app-values' },
      { stringData: { 'values.yaml': 'data:\n  secret: two\n', token: 's3cr3t' } },
    );
    await requestReconcile('app');
    await readyRelease('app', (hr) => (statusOf(hr).history as { version: number }[])[0]?.version === 4);
    assert.deepEqual((await client.get(cmRef('app-config'))).data, {
      greeting: 'hello again',
      secret: 'two',
      token: 's3cr3t',
    });
    const hr = await client.get(hrRef('app'));
    assert.doesNotMatch(JSON.stringify(hr.status), /s3cr3t/, 'no secret value in status');
    // status.history is what Helm's storage holds after the upgrade (the engine says so without
    // reading it back): every earlier revision superseded.
    assert.deepEqual(
      (statusOf(hr).history as { version: number; status: string }[]).map((s) => [s.version, s.status]),
      (await history('app')).map((h) => [h.revision, h.status]).reverse(),
    );
  });

  it('rolls a failing upgrade back (upgrade.remediation), and helm history shows it', async () => {
    await client.patch(hrRef('app'), {
      spec: {
        values: { data: { greeting: 'broken' }, badName: true },
        upgrade: { remediation: { retries: 1 } },
      },
    });
    const message = await notReady('app', /after \d attempt|no retries left/);
    assert.match(message, /Helm upgrade failed|failed to upgrade/);
    const entries = await history('app');
    const statuses = entries.map((h) => h.status);
    assert.ok(statuses.includes('failed'), `a failed revision in ${JSON.stringify(entries)}`);
    assert.ok(
      entries.some((h) => /Rollback to 4/.test(h.description)),
      `a rollback to the last good revision in ${JSON.stringify(entries.map((h) => h.description))}`,
    );
    assert.equal(entries.at(-1)?.status, 'deployed');
    assert.deepEqual((await client.get(cmRef('app-config'))).data, {
      greeting: 'hello again',
      secret: 'two',
      token: 's3cr3t',
    });
    const remediated = conditionOf(await client.get(hrRef('app')), 'Remediated');
    assert.equal(remediated?.reason, 'RollbackSucceeded');
    // Fixing the values upgrades again.
    await client.patch(hrRef('app'), { spec: { values: { data: { greeting: 'fixed' }, badName: false } } });
    await readyRelease('app', () => true);
    await eventually('fixed values applied', async () =>
      ((await client.get(cmRef('app-config'))).data as Record<string, string>).greeting === 'fixed'
        ? true
        : undefined,
    );
  });

  it('corrects a helm rollback made by hand', async () => {
    const before = await history('app');
    const last = before.at(-1)?.revision ?? 0;
    await helm(kubeconfigPath, ['rollback', 'app', String(last - 1), '-n', ns, '--wait=watcher']);
    await requestReconcile('app');
    await eventually('release upgraded back', async () => {
      const entries = await history('app');
      return entries.at(-1)?.revision === last + 2 && entries.at(-1)?.status === 'deployed'
        ? true
        : undefined;
    });
    assert.equal(((await client.get(cmRef('app-config'))).data as Record<string, string>).greeting, 'fixed');
  });

  it('adopts a release made by helm install, without a new revision', async () => {
    const chartUrl = `${repo.url}/greeter-1.0.0.tgz`;
    await helm(kubeconfigPath, [
      'install',
      'adopted',
      chartUrl,
      '-n',
      ns,
      '--set',
      'data.greeting=manual',
      '--wait=watcher',
    ]);
    await createRelease('adopted', { values: { data: { greeting: 'manual' } } });
    const hr = await readyRelease('adopted');
    assert.deepEqual(
      (await history('adopted')).map((h) => h.revision),
      [1],
    );
    assert.equal((statusOf(hr).history as { version: number }[])[0]?.version, 1);
  });

  it('recovers a release left pending-upgrade by a controller that was killed', async () => {
    await helm(kubeconfigPath, [
      'install',
      'stuck',
      `${repo.url}/greeter-1.0.0.tgz`,
      '-n',
      ns,
      '--wait=watcher',
    ]);
    // What a killed helm process leaves: the newest storage Secret says pending-upgrade.
    const secret = await client.get<KubeObject & { data: { release: string } }>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: ns,
      name: 'sh.helm.release.v1.stuck.v1',
    });
    const { decodeRelease } = await import('@weft/helm-controller');
    const raw = decodeRelease(secret.data.release);
    (raw.info as Record<string, unknown>).status = 'pending-upgrade';
    const { gzipSync } = await import('node:zlib');
    const encoded = Buffer.from(gzipSync(JSON.stringify(raw)).toString('base64')).toString('base64');
    await client.patch(
      { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'sh.helm.release.v1.stuck.v1' },
      { metadata: { labels: { status: 'pending-upgrade' } }, data: { release: encoded } },
    );
    await assert.rejects(
      helm(kubeconfigPath, ['upgrade', 'stuck', `${repo.url}/greeter-1.0.0.tgz`, '-n', ns]),
      /another operation/,
    );
    await createRelease('stuck', { values: { data: { greeting: 'unstuck' } } });
    await readyRelease('stuck');
    const entries = await history('stuck');
    // Marked failed by the recovery, then superseded by the upgrade that followed.
    assert.deepEqual(
      entries.map((h) => [h.revision, h.status]),
      [
        [1, 'superseded'],
        [2, 'deployed'],
      ],
    );
    const events = await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: ns });
    assert.ok(
      events.items.some(
        (e) =>
          isRecord(e.regarding) && e.regarding.name === 'stuck' && e.reason === 'PendingReleaseRecovered',
      ),
    );
  });
});
