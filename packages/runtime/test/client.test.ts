/** The client against a real kube-apiserver: CRUD, typed errors, discovery, impersonation, remote clusters. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { describe, it } from 'node:test';
import { testNamespace, useCluster } from '@weft/e2e';
import {
  Client,
  ConflictError,
  clientFromKubeconfigSecret,
  ForbiddenError,
  InvalidError,
  type KubeObject,
  NoKindMatchError,
  NotFoundError,
} from '@weft/runtime/client';
import { loadKubeConfig } from '@weft/runtime/manager';
import { sleep } from '@weft/runtime/retry';

// Top level: useCluster and testNamespace register their clean-up with the file's root `after`.
const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig, { fieldManager: 'client-test' });
const ns = await testNamespace(kubeConfig, 'client');
const kubeconfigPath = cluster.kubeconfigPath;

describe('client against a real apiserver', { timeout: 180_000 }, () => {
  it('applies, gets, lists by label, patches and deletes', async () => {
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'one', namespace: ns, labels: { app: 'x' } },
      data: { a: '1' },
    };
    const dry = await client.apply(cm, { dryRun: true });
    assert.equal(dry.metadata.name, 'one');
    await assert.rejects(
      client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' }),
      NotFoundError,
    );
    await client.apply(cm);
    await client.apply({ ...cm, metadata: { name: 'two', namespace: ns, labels: { app: 'y' } } });
    const listed = await client.list({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: 'app=x',
    });
    assert.deepEqual(
      listed.items.map((o) => o.metadata.name),
      ['one'],
    );
    assert.equal(listed.items[0]?.kind, 'ConfigMap');
    assert.ok(listed.resourceVersion);

    const patched = await client.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' },
      { data: { b: '2' } },
    );
    assert.deepEqual(patched.data, { a: '1', b: '2' });
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' });
    assert.equal(
      await client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' }),
      undefined,
    );
    await assert.rejects(
      client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' }),
      NotFoundError,
    );
  });

  it('authenticates with the client certificate from one parsed SecureContext (RestConfig)', async () => {
    const rest = loadKubeConfig({ kubeconfig: kubeconfigPath });
    const options: https.RequestOptions = {};
    await rest.applyToHTTPSOptions(options);
    assert.ok(options.agent instanceof https.Agent);
    assert.ok(
      (options.agent.options as { secureContext?: unknown }).secureContext,
      'the agent holds the CA, certificate and key as one SecureContext',
    );
    const viaRest = new Client(rest, { fieldManager: 'client-test' });
    const [a, b] = await Promise.all([
      viaRest.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }),
      viaRest.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns }),
    ]);
    assert.equal(a.metadata.name, ns);
    assert.ok(Array.isArray(b.items));
  });

  it('maps Conflict and Invalid (with field causes)', async () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: ns } };
    await client.create(cm);
    await assert.rejects(
      client.create(cm),
      (err: unknown) => err instanceof ConflictError && err.reason === 'AlreadyExists',
    );
    const bad: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'Bad_Name', namespace: ns },
    };
    await assert.rejects(client.apply(bad), (err: unknown) => {
      assert.ok(err instanceof InvalidError);
      assert.ok(
        err.causes.some((c) => c.field === 'metadata.name'),
        JSON.stringify(err.causes),
      );
      return true;
    });
  });

  it('finds a kind whose CRD was installed after discovery cached its group', async () => {
    const group = `disc-${Math.random().toString(36).slice(2, 8)}.example.com`;
    await assert.rejects(client.mapping(`${group}/v1`, 'Gadget'), NoKindMatchError);
    await client.apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            subresources: { status: {} },
          },
        ],
      },
    });
    let mapping: Awaited<ReturnType<Client['mapping']>> | undefined;
    for (let i = 0; i < 100 && !mapping; i++) {
      mapping = await client.discovery.tryResolve(`${group}/v1`, 'Gadget');
      if (!mapping) await sleep(200);
    }
    assert.deepEqual(
      mapping && { resource: mapping.resource, namespaced: mapping.namespaced, hasStatus: mapping.hasStatus },
      {
        resource: 'gadgets',
        namespaced: true,
        hasStatus: true,
      },
    );
    const ref = { apiVersion: `${group}/v1`, kind: 'Gadget', namespace: ns, name: 'g' };
    await client.apply({
      apiVersion: ref.apiVersion,
      kind: 'Gadget',
      metadata: { name: 'g', namespace: ns },
      spec: { x: 1 },
    });
    const merged = await client.patchStatus(ref, { phase: 'one' });
    assert.deepEqual(merged.status, { phase: 'one' });
    const applied = await client.patchStatus(
      ref,
      { observedGeneration: 1 },
      { type: 'apply', fieldManager: 'status-owner' },
    );
    assert.deepEqual(applied.status, { phase: 'one', observedGeneration: 1 });
    await client.delete({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name: `gadgets.${group}`,
    });
  });

  it('impersonating a ServiceAccount without rights is Forbidden, with the server message', async () => {
    await client.apply({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'tenant', namespace: ns },
    });
    const tenant = client.impersonate({ namespace: ns, name: 'tenant' });
    await assert.rejects(
      tenant.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'nope', namespace: ns },
        data: {},
      }),
      (err: unknown) => {
        assert.ok(err instanceof ForbiddenError);
        assert.match(err.message, new RegExp(`system:serviceaccount:${ns}:tenant`));
        return true;
      },
    );
    // The same client as the controller itself is allowed.
    await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'yes', namespace: ns },
      data: {},
    });
  });

  it('builds a client for a cluster from a kubeconfig Secret (value.yaml key)', async () => {
    const kubeconfig = await readFile(kubeconfigPath, 'utf8');
    await client.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'remote', namespace: ns },
      data: { 'value.yaml': Buffer.from(kubeconfig).toString('base64') },
    });
    const remote = await clientFromKubeconfigSecret(client, { namespace: ns, name: 'remote' });
    const got = await remote.get({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    assert.equal(got.metadata.name, ns);
    await assert.rejects(
      clientFromKubeconfigSecret(client, { namespace: ns, name: 'remote', key: 'value' }),
      /no kubeconfig under 'value'/,
    );
  });
});
