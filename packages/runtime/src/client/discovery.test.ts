import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourcePath } from './client.ts';
import { Discovery, parseResourceList } from './discovery.ts';
import { errorFromStatus } from './errors.ts';
import type { HttpRequest, HttpResponse, Transport } from './transport.ts';

function fakeTransport(answers: (path: string) => unknown): Transport & { calls: string[] } {
  const calls: string[] = [];
  const transport = {
    server: 'https://fake',
    calls,
    async request(req: HttpRequest): Promise<HttpResponse> {
      calls.push(req.path);
      const body = answers(req.path);
      if (body === undefined) throw errorFromStatus(404, { reason: 'NotFound', message: 'not found' });
      return { status: 200, body };
    },
    async stream(): Promise<AsyncIterable<unknown>> {
      throw new Error('no streams');
    },
    withHeaders: () => transport,
  };
  return transport;
}

const appsV1 = {
  resources: [
    { name: 'deployments', kind: 'Deployment', namespaced: true },
    { name: 'deployments/status', kind: 'Deployment', namespaced: true },
    { name: 'deployments/scale', kind: 'Scale', namespaced: true },
  ],
};

describe('parseResourceList', () => {
  it('maps kinds to resources and folds subresources', () => {
    const kinds = parseResourceList(appsV1, 'apps', 'v1');
    assert.deepEqual(kinds.get('Deployment'), {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      resource: 'deployments',
      namespaced: true,
      hasStatus: true,
    });
    assert.equal(kinds.has('Scale'), false);
  });
});

describe('Discovery', () => {
  it('caches hits and refreshes a group/version on a miss (CRD installed later)', async () => {
    let crdInstalled = false;
    const transport = fakeTransport((path) => {
      if (path === '/apis/apps/v1') return appsV1;
      if (path === '/apis/example.com/v1' && crdInstalled) {
        return { resources: [{ name: 'widgets', kind: 'Widget', namespaced: false }] };
      }
      return undefined;
    });
    let now = 0;
    const discovery = new Discovery(transport, { minRefreshIntervalMs: 100, now: () => now });
    assert.equal((await discovery.resolve('apps/v1', 'Deployment')).resource, 'deployments');
    await discovery.resolve('apps/v1', 'Deployment');
    assert.equal(transport.calls.length, 1);

    assert.equal(await discovery.tryResolve('example.com/v1', 'Widget'), undefined);
    await assert.rejects(discovery.resolve('example.com/v1', 'Widget'), /no matches for kind "Widget"/);
    crdInstalled = true;
    now += 100;
    const widget = await discovery.resolve('example.com/v1', 'Widget');
    assert.equal(widget.namespaced, false);
    assert.equal(resourcePath(widget, 'ignored', 'w1'), '/apis/example.com/v1/widgets/w1');
  });
});

describe('resourcePath', () => {
  it('builds core and grouped paths', () => {
    const cm = {
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      resource: 'configmaps',
      namespaced: true,
      hasStatus: false,
    };
    assert.equal(resourcePath(cm, 'ns', 'a'), '/api/v1/namespaces/ns/configmaps/a');
    assert.equal(resourcePath(cm), '/api/v1/configmaps');
  });
});
