/**
 * Health on watch events (`watch: true`) against a real kube-apiserver and kube-controller-manager:
 * a Deployment is Current once the controller-manager has rolled it out, a stuck one times out
 * saying why, waits of one namespace share one watch (a wait joining it still sees its object
 * roll out), and a client that may get but not watch falls back to polling.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Client,
  type HttpRequest,
  type HttpResponse,
  type KubeObject,
  type Transport,
} from '@weft/runtime/client';
import { HealthCheckError } from '@weft/runtime/health';
import { ResourceManager } from '@weft/runtime/ssa';
import { applyTestCluster } from './apply-cluster.ts';

const { client, ns, manager } = await applyTestCluster('health-watch');

const deployment = (name: string, nodeSelector?: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas: nodeSelector ? 1 : 0,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: 'main', image: 'x:1' }] },
    },
  },
});

/** The client's own transport, counting the watches it opens. */
class CountingTransport implements Transport {
  readonly #inner: Transport;
  readonly server: string;
  streams = 0;
  constructor(inner: Transport) {
    this.#inner = inner;
    this.server = inner.server;
  }
  request(req: HttpRequest): Promise<HttpResponse> {
    return this.#inner.request(req);
  }
  stream(req: HttpRequest): Promise<AsyncIterable<unknown>> {
    this.streams++;
    return this.#inner.stream(req);
  }
  withHeaders(headers: Record<string, string | string[]>): Transport {
    return this.#inner.withHeaders(headers);
  }
}

describe('health on watch events against a real apiserver', { timeout: 300_000 }, () => {
  it('is Current once the controller-manager has rolled the Deployment out', async () => {
    const result = await manager.applyAll([deployment('rolled')]);
    const objects = result.changeSet.flatMap((e) => (e.object ? [e.object] : []));
    const health = await manager.wait(
      result.changeSet.map((e) => e.ref),
      { timeoutMs: 120_000, watch: true, objects },
    );
    assert.deepEqual(
      health.map((h) => h.status),
      ['Current'],
    );
    const live = await client.get(result.changeSet[0]?.ref ?? { apiVersion: '', kind: '', name: '' });
    const conditions = (live.status as { conditions?: { type: string; reason: string }[] }).conditions ?? [];
    assert.ok(conditions.some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable'));
  });

  it('times out on a Deployment that never becomes Ready and says why', async () => {
    const result = await manager.applyAll([deployment('stuck', { 'no-such-node': 'true' })]);
    const started = Date.now();
    await assert.rejects(
      manager.wait(
        result.changeSet.map((e) => e.ref),
        { timeoutMs: 3000, watch: true },
      ),
      (err: unknown) => {
        assert.ok(err instanceof HealthCheckError);
        assert.equal(err.timedOut, true);
        assert.equal(err.objects[0]?.status, 'InProgress');
        assert.match(err.message, new RegExp(`Deployment/${ns}/stuck status: 'InProgress'`));
        return true;
      },
    );
    assert.ok(Date.now() - started >= 2900, 'waited until the deadline');
  });

  it('shares one watch between the waits of a namespace; a wait that joins it sees its object roll out', async () => {
    const counting = new CountingTransport(client.transport);
    const sharing = new ResourceManager(
      new Client(client.kubeConfig, { transport: counting, fieldManager: 'weft-apply-test' }),
    );
    // A Deployment that never rolls out keeps the namespace's watch open for its whole wait.
    const stuck = await sharing.applyAll([deployment('held', { 'no-such-node': 'true' })]);
    const release = new AbortController();
    const holding = sharing.wait(
      stuck.changeSet.map((e) => e.ref),
      { timeoutMs: 300_000, watch: true, signal: release.signal },
    );
    holding.catch(() => undefined); // ends in a timeout, checked below
    // Each of these joins the open watch after its Deployment may already have rolled out: it
    // reads its object once, then judges the watch's events.
    for (const name of ['joined-1', 'joined-2', 'joined-3']) {
      const result = await sharing.applyAll([deployment(name)]);
      const health = await sharing.wait(
        result.changeSet.map((e) => e.ref),
        { timeoutMs: 120_000, watch: true },
      );
      assert.deepEqual(
        health.map((h) => h.status),
        ['Current'],
        name,
      );
    }
    // One watch for the four waits: a watch per wait would have opened four. (A server that
    // ends a watch early makes it reopen, so at most three, not exactly one.)
    assert.ok(counting.streams < 4, `${counting.streams} watches opened for 4 waits`);
    release.abort();
    await assert.rejects(holding, (err: unknown) => err instanceof HealthCheckError && err.timedOut);
  });

  it('polls when the client may get but not watch', async () => {
    const rbac = 'rbac.authorization.k8s.io/v1';
    await client.apply({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'getter', namespace: ns },
    });
    await client.apply({
      apiVersion: rbac,
      kind: 'Role',
      metadata: { name: 'getter', namespace: ns },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }],
    });
    await client.apply({
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name: 'getter', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'getter' },
      subjects: [{ kind: 'ServiceAccount', name: 'getter', namespace: ns }],
    });
    const result = await manager.applyAll([deployment('polled')]);
    const getter = new ResourceManager(client.impersonate({ namespace: ns, name: 'getter' }));
    const ref = result.changeSet[0]?.ref ?? { apiVersion: '', kind: '', name: '' };
    // RBAC is evaluated from an informer of its own: wait until the get is allowed.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [health] = await getter.status([ref]);
      if (health?.status !== 'Unknown' || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const health = await getter.wait([ref], { timeoutMs: 120_000, intervalMs: 200, watch: true });
    assert.deepEqual(
      health.map((h) => h.status),
      ['Current'],
    );
  });
});
