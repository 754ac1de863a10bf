// biome-ignore-all lint/suspicious/noTemplateCurlyInString: manifests carry ${var} for postBuild substitution.
/**
 * The whole loop against a real apiserver and a real artifact server: artifact → objects applied
 * and Ready → Kustomization Ready; new revisions configure and prune; drift is corrected; broken
 * manifests and bad digests fail without applying anything; postBuild substitution; suspend.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '@weft/e2e';
import { isRecord, type KubeObject } from '@weft/runtime/client';
import {
  configMap,
  dataOf,
  deployment,
  kustomization,
  kustomizationRef,
  kustomizeTestCluster,
  readyOf,
  startController,
  statusOf,
  waitReadyAt,
} from './helpers.ts';

const { kubeConfig, client, ns, source } = await kustomizeTestCluster('ks-loop');
const controller = await startController(kubeConfig, [ns]);

const ksRef = (name: string) => kustomizationRef(ns, name);
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

const readyAt = (name: string, revision: string) => waitReadyAt(client, ns, name, revision);

async function readyFalse(name: string, reason: string): Promise<{ ks: KubeObject; message: string }> {
  return eventually(`${name} Ready=False/${reason}`, async () => {
    const ks = await client.get(ksRef(name));
    const ready = readyOf(ks);
    return ready?.status === 'False' && ready.reason === reason ? { ks, message: ready.message } : undefined;
  });
}

async function eventsOf(name: string): Promise<KubeObject[]> {
  const list = await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: ns });
  return list.items.filter((e) => isRecord(e.regarding) && e.regarding.name === name);
}

describe('Kustomization loop', { timeout: 240_000 }, () => {
  it('applies an artifact, waits for the objects, reports Ready, inventory and the change set', async () => {
    const v1 = await source.publish(ns, 'app', {
      'deploy/web.yaml': deployment('web'),
      'config/a.yaml': configMap('a', { k: 'v1' }),
      'config/b.yaml': configMap('b', { k: 'v1' }),
      'README.md': '# not a manifest',
    });
    await client.create(
      kustomization(ns, 'app', {
        sourceRef: { kind: 'GitRepository', name: 'app' },
        targetNamespace: ns,
        wait: true,
        timeout: '60s',
      }),
    );
    const ks = await readyAt('app', v1.revision);
    assert.deepEqual(readyOf(ks), {
      status: 'True',
      reason: 'ReconciliationSucceeded',
      message: `Applied revision: ${v1.revision}`,
    });
    const status = statusOf(ks);
    assert.equal(status.lastAttemptedRevision, v1.revision);
    assert.equal(status.observedGeneration, ks.metadata.generation);
    assert.deepEqual((status.inventory as { entries: { id: string; v: string }[] }).entries, [
      { id: `${ns}_a__ConfigMap`, v: 'v1' },
      { id: `${ns}_b__ConfigMap`, v: 'v1' },
      { id: `${ns}_web_apps_Deployment`, v: 'v1' },
    ]);
    const healthy = (status.conditions as { type: string; status: string }[]).find(
      (c) => c.type === 'Healthy',
    );
    assert.equal(healthy?.status, 'True');

    const web = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    assert.equal(web.metadata.labels?.['kustomize.weft.dev/name'], 'app');
    assert.equal(web.metadata.labels?.['kustomize.weft.dev/namespace'], ns);
    assert.equal((web.status as { readyReplicas?: number }).readyReplicas, 1);
    assert.ok(
      web.metadata.managedFields?.some(
        (m) => m.manager === 'kustomize-controller' && m.operation === 'Apply',
      ),
    );

    const event = await eventually('change set event', async () =>
      (await eventsOf('app')).find((e) => String(e.note).includes(`Deployment/${ns}/web created`)),
    );
    assert.match(String(event.note), new RegExp(`ConfigMap/${ns}/a created`));
    assert.equal(event.metadata.annotations?.['event.weft.dev/revision'], v1.revision);
  });

  it('configures a changed manifest and prunes a deleted one', async () => {
    const v2 = await source.publish(ns, 'app', {
      'deploy/web.yaml': deployment('web'),
      'config/a.yaml': configMap('a', { k: 'v2' }),
    });
    await readyAt('app', v2.revision);
    assert.deepEqual((await client.get(cmRef('a'))).data, { k: 'v2' });
    assert.equal(await client.find(cmRef('b')), undefined);
    // Events are written in the background (the reconcile does not wait for them).
    const notes = await eventually('the change set event of v2', async () => {
      const text = (await eventsOf('app')).map((e) => String(e.note)).join('\n');
      return text.includes(`ConfigMap/${ns}/b deleted`) ? text : undefined;
    });
    assert.match(notes, new RegExp(`ConfigMap/${ns}/a configured`));
    assert.match(notes, new RegExp(`ConfigMap/${ns}/b deleted`));
    assert.doesNotMatch(notes, new RegExp(`Deployment/${ns}/web configured`));
  });

  it('restores an object edited by hand on the next interval', async () => {
    const rev = await source.publish(ns, 'drift', { 'cm.yaml': configMap('drift', { k: 'declared' }) });
    await client.create(
      kustomization(ns, 'drift', {
        sourceRef: { kind: 'GitRepository', name: 'drift' },
        targetNamespace: ns,
        interval: '2s',
      }),
    );
    await readyAt('drift', rev.revision);
    await client.patch(
      cmRef('drift'),
      { data: { k: 'edited', extra: 'x' } },
      { fieldManager: 'kubectl-edit' },
    );
    assert.equal(dataOf(await client.get(cmRef('drift'))).k, 'edited');
    await eventually('drift corrected', async () => {
      const cm = await client.get(cmRef('drift'));
      return (cm.data as Record<string, string>).k === 'declared' ? cm : undefined;
    });
    // Each interval rebuilt the unchanged revision from the same extraction and parsed texts.
    const metrics = controller.manager.registry.render();
    const total = (name: string, result: string) =>
      Number(new RegExp(`^${name}\\{result="${result}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    assert.ok(total('weft_kustomize_artifact_cache_requests_total', 'hit') > 0, metrics);
    assert.ok(total('weft_kustomize_parse_cache_requests_total', 'hit') > 0, metrics);
  });

  it('fails with BuildFailed naming the file, and applies nothing', async () => {
    await source.publish(ns, 'broken', {
      'good.yaml': configMap('good-one', { k: 'v' }),
      'nested/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [oops\n',
    });
    await client.create(
      kustomization(ns, 'broken', {
        sourceRef: { kind: 'GitRepository', name: 'broken' },
        targetNamespace: ns,
      }),
    );
    const { message } = await readyFalse('broken', 'BuildFailed');
    assert.match(message, /nested\/bad\.yaml/);
    assert.doesNotMatch(message, /\/tmp\//);
    assert.equal(await client.find(cmRef('good-one')), undefined);
  });

  it('validates the whole set with a dry run: one invalid object and nothing is applied', async () => {
    await source.publish(ns, 'invalid', {
      'good.yaml': configMap('good-two', { k: 'v' }),
      'svc.yaml':
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad-port\nspec:\n  ports:\n    - port: 99999\n',
    });
    await client.create(
      kustomization(ns, 'invalid', {
        sourceRef: { kind: 'GitRepository', name: 'invalid' },
        targetNamespace: ns,
      }),
    );
    const { ks, message } = await readyFalse('invalid', 'ReconciliationFailed');
    assert.match(message, new RegExp(`Service/${ns}/bad-port`));
    assert.match(message, /99999|port/);
    assert.equal(await client.find(cmRef('good-two')), undefined);
    assert.equal(statusOf(ks).lastAppliedRevision, undefined);
  });

  it('refuses an artifact whose digest does not match with ArtifactFailed', async () => {
    const good = await source.publish(ns, 'digest', { 'cm.yaml': configMap('digest', { k: 'one' }) });
    await client.create(
      kustomization(ns, 'digest', {
        sourceRef: { kind: 'GitRepository', name: 'digest' },
        targetNamespace: ns,
      }),
    );
    await readyAt('digest', good.revision);
    const wrong = `sha256:${'0'.repeat(64)}`;
    const bad = await source.publish(
      ns,
      'digest',
      { 'cm.yaml': configMap('digest', { k: 'two' }) },
      { digest: wrong },
    );
    const { ks, message } = await readyFalse('digest', 'ArtifactFailed');
    assert.match(message, /digest/i);
    assert.equal(statusOf(ks).lastAppliedRevision, good.revision);
    assert.equal(statusOf(ks).lastAttemptedRevision, bad.revision);
    assert.equal(dataOf(await client.get(cmRef('digest'))).k, 'one');
  });

  it('substitutes postBuild variables from the spec, ConfigMaps and Secrets', async () => {
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'vars', namespace: ns },
      data: { region: 'eu', replicas: '2' },
    });
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'secret-vars', namespace: ns },
      stringData: { token: 's3cr3t-value', region: 'us' },
    });
    const rev = await source.publish(ns, 'subst', {
      'cm.yaml': configMap('subst', {
        region: '${region}',
        token: '${token}',
        app: '${app}',
        fallback: '${missing:=dflt}',
        empty: '${unset}',
      }),
      'raw.yaml': configMap(
        'raw',
        { script: 'echo ${HOME}' },
        '  annotations:\n    kustomize.weft.dev/substitute: disabled\n',
      ),
    });
    await client.create(
      kustomization(ns, 'subst', {
        sourceRef: { kind: 'GitRepository', name: 'subst' },
        targetNamespace: ns,
        postBuild: {
          substitute: { app: 'shop' },
          substituteFrom: [
            { kind: 'ConfigMap', name: 'vars' },
            { kind: 'Secret', name: 'secret-vars' },
            { kind: 'ConfigMap', name: 'not-there', optional: true },
          ],
        },
      }),
    );
    await readyAt('subst', rev.revision);
    assert.deepEqual((await client.get(cmRef('subst'))).data, {
      region: 'us',
      token: 's3cr3t-value',
      app: 'shop',
      fallback: 'dflt',
      empty: '',
    });
    assert.deepEqual((await client.get(cmRef('raw'))).data, { script: 'echo ${HOME}' });
    // The change set event, written in the background, must be there to be checked.
    const events = await eventually('the change set event', async () => {
      const found = await eventsOf('subst');
      return found.some((e) => String(e.note).includes(`ConfigMap/${ns}/subst created`)) ? found : undefined;
    });
    const notes = JSON.stringify([await client.get(ksRef('subst')), ...events]);
    assert.doesNotMatch(notes, /s3cr3t-value/);
  });

  it('changes nothing while suspended, and catches up when resumed', async () => {
    const v1 = await source.publish(ns, 'susp', { 'cm.yaml': configMap('susp', { k: 'one' }) });
    // A witness on the same source and interval, not suspended: once it has applied the new
    // revision and undone drift on its copy, the suspended one has had the same chances to act.
    for (const [name, extra] of [
      ['susp', {}],
      ['susp-witness', { namePrefix: 'witness-' }],
    ] as const) {
      await client.create(
        kustomization(ns, name, {
          sourceRef: { kind: 'GitRepository', name: 'susp' },
          targetNamespace: ns,
          interval: '1s',
          ...extra,
        }),
      );
      await readyAt(name, v1.revision);
    }
    await client.patch(ksRef('susp'), { spec: { suspend: true } });
    const v2 = await source.publish(ns, 'susp', { 'cm.yaml': configMap('susp', { k: 'two' }) });
    await eventually('the witness applies the new revision', async () =>
      dataOf(await client.get(cmRef('witness-susp'))).k === 'two' ? true : undefined,
    );
    for (const name of ['susp', 'witness-susp']) {
      await client.patch(cmRef(name), { data: { k: 'edited' } }, { fieldManager: 'kubectl-edit' });
    }
    await eventually('the witness undoes the drift on its copy', async () =>
      dataOf(await client.get(cmRef('witness-susp'))).k === 'two' ? true : undefined,
    );
    assert.equal(dataOf(await client.get(cmRef('susp'))).k, 'edited');
    assert.equal(statusOf(await client.get(ksRef('susp'))).lastAppliedRevision, v1.revision);
    await client.patch(ksRef('susp'), { spec: { suspend: false } });
    await readyAt('susp', v2.revision);
    assert.equal(dataOf(await client.get(cmRef('susp'))).k, 'two');
  });
});
