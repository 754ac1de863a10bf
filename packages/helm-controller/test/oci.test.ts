/**
 * spec.chartRef to an OCIRepository whose artifact is a Helm chart pushed by the real `helm push`
 * to the e2e registry (Debian's docker-registry): installed as a real release, upgraded when the
 * OCIRepository moves to a new chart version; and `spec.chart` from a HelmRepository of
 * `type: oci` on the same registry (the HelmChart pulls the chart by version range).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HelmApiVersion, HelmReleaseKind, SourceApiVersion } from '@weft/api';
import { eventually, run, startOciRegistry } from '@weft/e2e';
import { isRecord, type KubeObject } from '@weft/runtime/client';
import {
  conditionOf,
  configMapChart,
  HelmRepo,
  helm,
  helmBinary,
  helmEnv,
  helmTestCluster,
  startHelmController,
  startSourceController,
} from './helpers.ts';

const { kubeConfig, kubeconfigPath, client, ns } = await helmTestCluster('hr-oci');
const registry = await startOciRegistry();
after(() => registry.stop());
// The static repository is only where `helm package` puts the tarballs that get pushed.
const repo = await HelmRepo.start();
await startSourceController(kubeconfigPath, ns);
await startHelmController(kubeConfig, kubeconfigPath, [ns]);

const helmHome = await mkdtemp(join(tmpdir(), 'hr-oci-helm-'));
after(() => rm(helmHome, { recursive: true, force: true }));
const chartLayer = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

async function pushChart(version: string): Promise<void> {
  await repo.add(configMapChart('ocigreeter', version));
  await run(
    helmBinary,
    [
      'push',
      `${repo.server.root}/ocigreeter-${version}.tgz`,
      `oci://${registry.host}/charts`,
      '--plain-http',
    ],
    { env: helmEnv(helmHome) },
  );
}

const hrRef = { apiVersion: HelmApiVersion, kind: HelmReleaseKind, namespace: ns, name: 'from-oci' };
const statusOf = (obj: KubeObject) => (isRecord(obj.status) ? obj.status : {});

describe('HelmRelease chartRef OCIRepository', { timeout: 300_000 }, () => {
  it('installs the chart an OCIRepository holds, and upgrades when it moves to a new version', async () => {
    await pushChart('1.0.0');
    await pushChart('1.1.0');
    await client.create({
      apiVersion: SourceApiVersion,
      kind: 'OCIRepository',
      metadata: { name: 'greeter', namespace: ns },
      spec: {
        url: `oci://${registry.host}/charts/ocigreeter`,
        ref: { tag: '1.0.0' },
        insecure: true,
        interval: '1m',
        layerSelector: { mediaType: chartLayer, operation: 'copy' },
      },
    });
    await client.create({
      apiVersion: HelmApiVersion,
      kind: HelmReleaseKind,
      metadata: { name: 'from-oci', namespace: ns },
      spec: {
        interval: '1m',
        chartRef: { kind: 'OCIRepository', name: 'greeter' },
        values: { data: { greeting: 'from oci' } },
      },
    });
    const ready = (version: string) =>
      eventually(
        `from-oci Ready with ${version}`,
        async () => {
          const hr = await client.get(hrRef);
          return conditionOf(hr)?.status === 'True' && statusOf(hr).lastAttemptedRevision === version
            ? hr
            : undefined;
        },
        180_000,
      );
    const hr = await ready('1.0.0');
    assert.match(conditionOf(hr)?.message ?? '', /with chart ocigreeter@1\.0\.0/);
    const cm = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      name: 'from-oci-config',
    });
    assert.deepEqual(cm.data, { greeting: 'from oci' });

    await client.patch(
      { apiVersion: SourceApiVersion, kind: 'OCIRepository', namespace: ns, name: 'greeter' },
      { spec: { ref: { tag: '1.1.0' } } },
    );
    await ready('1.1.0');
    const history = JSON.parse(
      await helm(kubeconfigPath, ['history', 'from-oci', '-n', ns, '-o', 'json']),
    ) as {
      revision: number;
      status: string;
      chart: string;
    }[];
    assert.deepEqual(
      history.map((h) => [h.revision, h.status, h.chart]),
      [
        [1, 'superseded', 'ocigreeter-1.0.0'],
        [2, 'deployed', 'ocigreeter-1.1.0'],
      ],
    );
  });

  it('installs from an OCI HelmRepository through the HelmChart it creates (version range)', async () => {
    await client.create({
      apiVersion: SourceApiVersion,
      kind: 'HelmRepository',
      metadata: { name: 'oci-charts', namespace: ns },
      spec: { type: 'oci', url: `oci://${registry.host}/charts`, insecure: true, interval: '1m' },
    });
    const ref = { ...hrRef, name: 'from-oci-repo' };
    await client.create({
      apiVersion: HelmApiVersion,
      kind: HelmReleaseKind,
      metadata: { name: ref.name, namespace: ns },
      spec: {
        interval: '1m',
        chart: {
          spec: {
            chart: 'ocigreeter',
            version: '1.0.x',
            sourceRef: { kind: 'HelmRepository', name: 'oci-charts' },
          },
        },
        values: { data: { greeting: 'from an oci repository' } },
      },
    });
    const hr = await eventually(
      'from-oci-repo Ready',
      async () => {
        const live = await client.get(ref);
        return conditionOf(live)?.status === 'True' ? live : undefined;
      },
      180_000,
    );
    // 1.1.0 is in the registry too: the range picks 1.0.0.
    assert.equal(statusOf(hr).lastAttemptedRevision, '1.0.0');
    const cm = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      name: 'from-oci-repo-config',
    });
    assert.deepEqual(cm.data, { greeting: 'from an oci repository' });
    const releases = JSON.parse(await helm(kubeconfigPath, ['ls', '-n', ns, '-o', 'json'])) as {
      name: string;
      chart: string;
      status: string;
    }[];
    assert.deepEqual(
      releases.find((r) => r.name === ref.name),
      { ...releases.find((r) => r.name === ref.name), chart: 'ocigreeter-1.0.0', status: 'deployed' },
    );
  });
});
