/**
 * HelmRelease features against a real apiserver, source-controller and the real helm: dependsOn
 * (HelmRelease and Kustomization), chart tests, postRenderers, drift correction, chart CRDs,
 * spec.kubeConfig, uninstall on delete, and the words of a bad chart, a missing values file, an
 * unreachable repository and an unsupported field.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Annotation, Label, SourceApiVersion } from '@weft/api';
import { eventually } from '@weft/e2e';
import { isRecord, type KubeObject } from '@weft/runtime/client';
import { conditionOf, configMapChart, helm } from './helpers.ts';
import { releaseFixture } from './release-fixture.ts';

const {
  kubeconfigPath,
  client,
  ns,
  repo,
  helmRuns,
  withTestHook,
  hrRef,
  cmRef,
  createRepository,
  createRelease,
  statusOf,
  readyRelease,
  notReady,
  history,
  refreshRepository,
  requestReconcile,
} = await releaseFixture('hr-features');
await createRepository('repo', repo.url);

describe('HelmRelease features', { timeout: 600_000 }, () => {
  it('waits for dependsOn, then runs the chart tests (test.enable)', async () => {
    await repo.add(withTestHook(configMapChart('tested', '1.0.0')));
    await refreshRepository('repo');
    await createRelease(
      'second',
      { dependsOn: [{ name: 'first' }], test: { enable: true } },
      { chart: 'tested', version: '1.0.0' },
    );
    await notReady('second', /dependency HelmRelease '.*\/first' is not ready/);
    await createRelease('first', {}, { chart: 'greeter' });
    const hr = await readyRelease('second');
    // A chart with hooks is released by the helm binary, which runs them as Helm does.
    // At least one: a retried first attempt (a slow, shared apiserver) runs helm install again.
    assert.ok(helmRuns('install', 'second') >= 1, 'the hooked chart went through helm install');
    assert.equal(helmRuns('install', 'first'), 0, 'the plain chart did not');
    const tests = conditionOf(hr, 'TestSuccess');
    assert.equal(tests?.status, 'True', JSON.stringify(tests));
    const hooks = (statusOf(hr).history as { testHooks?: Record<string, { phase?: string }> }[])[0]
      ?.testHooks;
    assert.equal(hooks?.['second-smoke']?.phase, 'Succeeded', JSON.stringify(hooks));
  });

  it('waits for a Kustomization in dependsOn (kind: Kustomization) to be Ready', async () => {
    const ks = { apiVersion: 'kustomize.weft.dev/v1', kind: 'Kustomization', namespace: ns, name: 'infra' };
    await client.create({
      apiVersion: ks.apiVersion,
      kind: ks.kind,
      // Its status is written by hand below. The shard label keeps it from every kustomize-controller
      // another package's e2e runs on the shared control plane at the same time (they select
      // `!sharding…/key` or a shard of their own), which would mark it not Ready again.
      metadata: { name: 'infra', namespace: ns, labels: { [Label.ShardKey]: 'helm-features-test' } },
      spec: { interval: '1h', prune: true, sourceRef: { kind: 'GitRepository', name: 'none' } },
    });
    await createRelease('after-infra', { dependsOn: [{ kind: 'Kustomization', name: 'infra' }] });
    await notReady('after-infra', /dependency Kustomization '.*\/infra' is not ready/);
    // What kustomize-controller publishes when it is done: Ready at the current generation.
    const live = await client.get(ks);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.patchStatus(ks, {
      observedGeneration: live.metadata.generation,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ReconciliationSucceeded',
          message: 'Applied',
          lastTransitionTime: now,
        },
      ],
    });
    await readyRelease('after-infra');
  });

  it('applies postRenderers (kustomize patches) through the weft post-renderer plugin', async () => {
    await createRelease('patched', {
      postRenderers: [
        {
          kustomize: {
            patches: [
              {
                target: { kind: 'ConfigMap' },
                patch: JSON.stringify([{ op: 'add', path: '/metadata/labels', value: { patched: 'yes' } }]),
              },
            ],
          },
        },
      ],
    });
    const hr = await readyRelease('patched');
    assert.match(String(statusOf(hr).observedPostRenderersDigest), /^sha256:/);
    const cm = await client.get(cmRef('patched-config'));
    assert.equal(cm.metadata.labels?.patched, 'yes');
    const manifest = await helm(kubeconfigPath, ['get', 'manifest', 'patched', '-n', ns]);
    assert.match(manifest, /patched: "?yes"?/);
  });

  it('corrects drift (driftDetection: enabled): an edited and a deleted object come back, ignored fields stay', async () => {
    await createRelease('watched', {
      driftDetection: {
        mode: 'enabled',
        ignore: [{ paths: ['/data/owner'], target: { kind: 'ConfigMap' } }],
      },
      values: { data: { greeting: 'kept', owner: 'chart' } },
    });
    await readyRelease('watched');
    // `owner` stands for a field another writer owns: ignored, so left as that writer set it.
    await client.patch(cmRef('watched-config'), { data: { greeting: 'edited by hand', owner: 'hpa' } });
    await requestReconcile('watched');
    await eventually('edit undone', async () =>
      ((await client.get(cmRef('watched-config'))).data as Record<string, string>).greeting === 'kept'
        ? true
        : undefined,
    );
    assert.equal(
      ((await client.get(cmRef('watched-config'))).data as Record<string, string>).owner,
      'hpa',
      'a field in driftDetection.ignore is not corrected',
    );
    await client.delete(cmRef('watched-config'));
    await requestReconcile('watched');
    await eventually('deleted object recreated', async () =>
      (await client.find(cmRef('watched-config'))) ? true : undefined,
    );
    const events = await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: ns });
    assert.ok(
      events.items.some(
        (e) => isRecord(e.regarding) && e.regarding.name === 'watched' && e.reason === 'DriftCorrected',
      ),
    );
    assert.deepEqual(
      (await history('watched')).map((h) => h.revision),
      [1],
      'drift is corrected without a new revision',
    );
  });

  it('creates and replaces the chart CRDs on install and upgrade (crds: CreateReplace)', async () => {
    const crd = (group: string, extra: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: string}${extra}
`;
    const group = `${ns}.e2e.weft.dev`;
    const crdRef = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name: `widgets.${group}`,
    };
    after(() => client.delete(crdRef).catch(() => undefined));
    await repo.add({ ...configMapChart('crdful', '1.0.0') }, { 'crds/widgets.yaml': crd(group, '') });
    await refreshRepository('repo');
    await createRelease(
      'crdful',
      { install: { crds: 'CreateReplace' }, upgrade: { crds: 'CreateReplace' } },
      { chart: 'crdful', version: '1.x' },
    );
    await readyRelease('crdful');
    assert.ok(helmRuns('install', 'crdful') >= 1, 'a chart with CRDs goes through helm install');
    const properties = async () => {
      const live = (await client.get(crdRef)) as KubeObject & {
        spec: {
          versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: object } } } } }[];
        };
      };
      return Object.keys(live.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties ?? {});
    };
    assert.deepEqual(await properties(), ['size']);

    await repo.add(configMapChart('crdful', '1.1.0'), {
      'crds/widgets.yaml': crd(group, '\n                colour: {type: string}'),
    });
    await refreshRepository('repo');
    await readyRelease('crdful', (hr) => statusOf(hr).lastAttemptedRevision === '1.1.0');
    assert.deepEqual((await properties()).sort(), ['colour', 'size'], 'upgrade replaced the CRD');
  });

  // The chart step reads the HelmChart from the controller's cache, except when this reconcile
  // changes it: then from the apply's answer (the cached copy is still Ready at the old version).
  it('upgrades to the version a changed spec.chart asks for', async () => {
    await repo.add(configMapChart('pinned', '1.0.0'));
    await repo.add(configMapChart('pinned', '2.0.0'));
    await refreshRepository('repo');
    await createRelease('pinned', {}, { chart: 'pinned', version: '1.0.0' });
    await readyRelease('pinned', (hr) => statusOf(hr).lastAttemptedRevision === '1.0.0');
    await client.patch(hrRef('pinned'), { spec: { chart: { spec: { version: '2.0.0' } } } });
    await readyRelease('pinned', (hr) => statusOf(hr).lastAttemptedRevision === '2.0.0');
    const revisions = JSON.parse(
      await helm(kubeconfigPath, ['history', 'pinned', '-n', ns, '-o', 'json']),
    ) as Array<{ chart: string; status: string }>;
    assert.deepEqual(
      revisions.map((r) => `${r.chart} ${r.status}`),
      ['pinned-1.0.0 superseded', 'pinned-2.0.0 deployed'],
    );
  });

  it('releases into the cluster of spec.kubeConfig, for every helm action and the own engine', async () => {
    // The test cluster itself, reached through a kubeconfig in a Secret as a remote one would be.
    const { readFile } = await import('node:fs/promises');
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'remote-kubeconfig', namespace: ns },
      stringData: { value: await readFile(kubeconfigPath, 'utf8') },
    });
    await createRelease('remote', {
      kubeConfig: { secretRef: { name: 'remote-kubeconfig' } },
      values: { data: { greeting: 'far away' } },
    });
    await readyRelease('remote');
    assert.deepEqual((await client.get(cmRef('remote-config'))).data, { greeting: 'far away' });
    assert.deepEqual(
      (await history('remote')).map((h) => [h.revision, h.status]),
      [[1, 'deployed']],
    );
    await client.delete(hrRef('remote'));
    await eventually('remote uninstalled through its kubeconfig', async () =>
      (await client.find(cmRef('remote-config'))) === undefined &&
      (await client.find(hrRef('remote'))) === undefined
        ? true
        : undefined,
    );
  });

  it('uninstalls the release and deletes its HelmChart when the HelmRelease is deleted', async () => {
    await createRelease('adopted', { values: { data: { greeting: 'to go' } } });
    await readyRelease('adopted');
    await client.delete(hrRef('adopted'));
    await eventually('HelmRelease gone', async () =>
      (await client.find(hrRef('adopted'))) ? undefined : true,
    );
    const list = JSON.parse(await helm(kubeconfigPath, ['ls', '-n', ns, '-o', 'json'])) as { name: string }[];
    assert.ok(!list.some((r) => r.name === 'adopted'));
    assert.equal(await client.find(cmRef('adopted-config')), undefined);
    assert.equal(
      await client.find({
        apiVersion: SourceApiVersion,
        kind: 'HelmChart',
        namespace: ns,
        name: `${ns}-adopted`,
      }),
      undefined,
    );
  });

  it('says what is wrong: bad chart, missing values file, unreachable repository, unsupported field', async () => {
    await repo
      .add(configMapChart('broken', '0.1.0'), {
        'Chart.yaml': 'apiVersion: v2\nname: broken\nversion: not-semver\n',
      })
      .catch(() => undefined);
    // helm package refuses a bad version: put a tarball without Chart.yaml in by hand.
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { gzipSync } = await import('node:zlib');
    await writeFile(join(repo.server.root, 'broken-0.1.0.tgz'), gzipSync(Buffer.alloc(1024)));
    await writeFile(
      join(repo.server.root, 'index.yaml'),
      `${(
        await import('node:fs/promises').then((fs) =>
          fs.readFile(join(repo.server.root, 'index.yaml'), 'utf8'),
        )
      ).replace(
        'entries:\n',
        `entries:\n  broken:\n  - name: broken\n    version: 0.1.0\n    urls: [${repo.url}/broken-0.1.0.tgz]\n`,
      )}`,
    );
    await client.patch(
      { apiVersion: SourceApiVersion, kind: 'HelmRepository', namespace: ns, name: 'repo' },
      {
        metadata: { annotations: { [Annotation.ReconcileRequestedAt]: `${Date.now()}` } },
      },
    );
    await createRelease('bad-chart', {}, { chart: 'broken', version: '0.1.0' });
    assert.match(
      await notReady('bad-chart', /Chart\.yaml|unpacked/),
      /is not ready: .*(Chart\.yaml|unpacked)/,
    );

    await createRelease('missing-values', {}, { valuesFiles: ['values-prod.yaml'] });
    assert.match(
      await notReady('missing-values', /values-prod/),
      /values file 'values-prod.yaml' \(spec.valuesFiles\) is not in the source/,
    );

    await createRepository('down', 'http://127.0.0.1:9/charts');
    await createRelease('unreachable', {}, { sourceRef: { kind: 'HelmRepository', name: 'down' } });
    await eventually('HelmRepository down says why', async () => {
      const ready = conditionOf(
        await client.get({
          apiVersion: SourceApiVersion,
          kind: 'HelmRepository',
          namespace: ns,
          name: 'down',
        }),
      );
      return ready?.status === 'False' &&
        /cannot connect to http:\/\/127.0.0.1:9\/charts\/index.yaml/.test(ready.message)
        ? true
        : undefined;
    });
    assert.match(await notReady('unreachable', /down/), /HelmRepository .*down.* has no index artifact yet/);

    // An object of the chart exists already, made by someone else: refused as Helm refuses it,
    // and left as it was.
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'taken-config', namespace: ns },
      data: { owner: 'someone else' },
    });
    await createRelease('taken', {});
    assert.match(
      await notReady('taken', /cannot be imported/),
      /ConfigMap\/.*taken-config exists and cannot be imported into the current release: invalid ownership metadata/,
    );
    assert.deepEqual((await client.get(cmRef('taken-config'))).data, { owner: 'someone else' });

    await createRelease('recreating', { rollback: { recreate: true } });
    await eventually('Stalled on rollback.recreate', async () => {
      const stalled = conditionOf(await client.get(hrRef('recreating')), 'Stalled');
      return stalled?.status === 'True' &&
        stalled.reason === 'UnsupportedField' &&
        /spec.rollback.recreate is not supported yet/.test(stalled.message)
        ? true
        : undefined;
    });

    await createRelease('no-cluster', { kubeConfig: { secretRef: { name: 'missing-kubeconfig' } } });
    assert.match(
      await notReady('no-cluster', /kubeConfig/),
      /cannot read Secret '.*\/missing-kubeconfig' \(spec.kubeConfig.secretRef\)/,
    );
    // Never released: deleting it needs no cluster, and does not hang on the missing Secret.
    await client.delete(hrRef('no-cluster'));
    await eventually('no-cluster deleted', async () =>
      (await client.find(hrRef('no-cluster'))) === undefined ? true : undefined,
    );
  });
});
