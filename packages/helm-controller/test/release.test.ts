/**
 * HelmReleases against a real apiserver, source-controller (from its bin) and the real helm:
 * install from an HTTP Helm repository, what `helm ls`/`helm history`/`helm get values` show,
 * upgrades on values and valuesFrom changes, a failing upgrade rolled back, a `helm install`
 * adopted, a pending release recovered, uninstall on delete, and the words of a bad chart, a
 * missing values file and an unreachable repository.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Annotation, HelmApiVersion, HelmReleaseKind, SourceApiVersion } from '@weft/api';
import { eventually } from '@weft/e2e';
import { isRecord, type KubeObject } from '@weft/runtime/client';
import {
  conditionOf,
  configMapChart,
  HelmRepo,
  helm,
  helmTestCluster,
  startHelmController,
  startSourceController,
} from './helpers.ts';

const { kubeConfig, kubeconfigPath, client, ns } = await helmTestCluster('hr');
const repo = await HelmRepo.start();
await repo.add(configMapChart('greeter', '1.0.0'));
await startSourceController(kubeconfigPath);
const { controller } = await startHelmController(kubeConfig, kubeconfigPath, [ns]);
const helmRuns = (command: string) => controller.helm.runs.get(command) ?? 0;

/** The chart with a Job test hook (KWOK completes the Job's pod). */
function withTestHook(chart: ReturnType<typeof configMapChart>): ReturnType<typeof configMapChart> {
  return {
    ...chart,
    files: {
      ...chart.files,
      'templates/tests/smoke.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-smoke
  annotations:
    helm.sh/hook: test
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: smoke
          image: busybox:1.36
          command: ["true"]
`,
    },
  };
}

const hrRef = (name: string) => ({ apiVersion: HelmApiVersion, kind: HelmReleaseKind, namespace: ns, name });
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

async function createRepository(name: string, url: string): Promise<void> {
  await client.create({
    apiVersion: SourceApiVersion,
    kind: 'HelmRepository',
    metadata: { name, namespace: ns },
    spec: { url, interval: '1m', timeout: '5s' },
  });
}

async function createRelease(
  name: string,
  spec: Record<string, unknown>,
  chart: Record<string, unknown> = {},
) {
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
          ...chart,
        },
      },
      ...spec,
    },
  });
}

function statusOf(obj: KubeObject | undefined): Record<string, unknown> {
  return isRecord(obj?.status) ? obj.status : {};
}

async function readyRelease(
  name: string,
  predicate: (hr: KubeObject) => boolean = () => true,
): Promise<KubeObject> {
  let last: KubeObject | undefined;
  try {
    return await eventually(
      `${name} Ready`,
      async () => {
        const hr = await client.get(hrRef(name));
        last = hr;
        const current = statusOf(hr).observedGeneration === hr.metadata.generation;
        return conditionOf(hr)?.status === 'True' && current && predicate(hr) ? hr : undefined;
      },
      120_000,
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; last conditions: ${JSON.stringify(statusOf(last).conditions)}`,
    );
  }
}

async function notReady(name: string, pattern: RegExp): Promise<string> {
  return eventually(
    `${name} Ready=False matching ${pattern}`,
    async () => {
      const ready = conditionOf(await client.get(hrRef(name)));
      return ready?.status === 'False' && pattern.test(ready.message) ? ready.message : undefined;
    },
    120_000,
  );
}

type HistoryEntry = { revision: number; status: string; chart: string; description: string };
async function history(release: string): Promise<HistoryEntry[]> {
  return JSON.parse(
    await helm(kubeconfigPath, ['history', release, '-n', ns, '-o', 'json']),
  ) as HistoryEntry[];
}

async function refreshRepository(name: string): Promise<void> {
  await client.patch(
    { apiVersion: SourceApiVersion, kind: 'HelmRepository', namespace: ns, name },
    { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: `${Date.now()}` } } },
  );
}

async function requestReconcile(name: string): Promise<void> {
  await client.patch(hrRef(name), {
    metadata: { annotations: { [Annotation.ReconcileRequestedAt]: `${Date.now()}` } },
  });
}

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
    // The controller's own engine made it (one helm template, no helm install): what helm read
    // above is the release storage the controller wrote.
    assert.deepEqual([helmRuns('template'), helmRuns('install')], [1, 0]);
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

  it('waits for dependsOn, then runs the chart tests (test.enable)', async () => {
    await repo.add(withTestHook(configMapChart('tested', '1.0.0')));
    await refreshRepository('repo');
    await createRelease(
      'second',
      { dependsOn: [{ name: 'first' }], test: { enable: true } },
      { chart: 'tested', version: '1.0.0' },
    );
    await notReady('second', /dependency HelmRelease '.*\/first' is not ready/);
    const installs = helmRuns('install');
    await createRelease('first', {}, { chart: 'greeter' });
    const hr = await readyRelease('second');
    // A chart with hooks is released by the helm binary, which runs them as Helm does.
    assert.equal(helmRuns('install'), installs + 1, 'the hooked chart went through helm install');
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
      metadata: { name: 'infra', namespace: ns },
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
    const installs = helmRuns('install');
    await createRelease(
      'crdful',
      { install: { crds: 'CreateReplace' }, upgrade: { crds: 'CreateReplace' } },
      { chart: 'crdful', version: '1.x' },
    );
    await readyRelease('crdful');
    assert.equal(helmRuns('install'), installs + 1, 'a chart with CRDs goes through helm install');
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
