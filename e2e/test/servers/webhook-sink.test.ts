import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startWebhookSink } from '../../src/servers/index.ts';

describe('webhook sink', async () => {
  const sink = await startWebhookSink();
  after(() => sink.stop());

  test('records method, path, headers and a JSON body', async () => {
    sink.clear();
    const response = await fetch(sink.url('/hooks/slack?x=1'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Signature': 'sha256=abc' },
      body: JSON.stringify({ text: 'Kustomization/apps reconciled' }),
    });
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    const [request] = await sink.waitFor((r) => r.path === '/hooks/slack');
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.query, 'x=1');
    assert.equal(request.headers['x-signature'], 'sha256=abc');
    assert.deepEqual(request.json, { text: 'Kustomization/apps reconciled' });
    assert.equal(request.status, 200);
  });

  test('keeps a body that is not JSON as text only', async () => {
    sink.clear();
    await (await fetch(sink.url('plain'), { method: 'PUT', body: 'hello {' })).arrayBuffer();
    const [request] = await sink.waitFor();
    assert.equal(request?.body, 'hello {');
    assert.equal(request?.json, undefined);
  });

  test('answers with scripted responses in order, then the default', async () => {
    sink.clear();
    sink.respondWith([500, { status: 503, body: 'busy', headers: { 'Retry-After': '1' } }, 200]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(sink.url('/retry'), { method: 'POST', body: `{"attempt":${i}}` });
      if (i === 1) {
        assert.equal(await response.text(), 'busy');
        assert.equal(response.headers.get('retry-after'), '1');
      } else {
        await response.arrayBuffer();
      }
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [500, 503, 200, 200]);
    assert.deepEqual(
      sink.requests.map((r) => r.json),
      [0, 1, 2, 3].map((attempt) => ({ attempt })),
    );
  });

  test('waitFor waits for requests that arrive later', async () => {
    sink.clear();
    const waiting = sink.waitFor((r) => r.path === '/later', 5_000, 2);
    for (const n of [1, 2])
      await (await fetch(sink.url('/later'), { method: 'POST', body: String(n) })).arrayBuffer();
    const matched = await waiting;
    assert.deepEqual(
      matched.map((r) => r.body),
      ['1', '2'],
    );
  });

  test('waitFor rejects listing what was received', async () => {
    sink.clear();
    await (await fetch(sink.url('/other'), { method: 'POST', body: '{"a":1}' })).arrayBuffer();
    await assert.rejects(
      sink.waitFor((r) => r.path === '/never', 100),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /received 1 request\(s\)/);
        assert.match(error.message, /POST \/other → 200 \{"a":1\}/);
        return true;
      },
    );
  });

  test('can delay a response', async () => {
    sink.clear();
    sink.respondWith([{ status: 202, delayMs: 50 }]);
    const pending = fetch(sink.url('/slow'), { method: 'POST', body: 'x' });
    const [request] = await sink.waitFor((r) => r.path === '/slow');
    assert.equal(request?.status, 202);
    const response = await pending;
    await response.arrayBuffer();
    assert.equal(response.status, 202);
  });
});

test('webhook sink stops listening when disposed', async () => {
  let url: string;
  {
    await using sink = await startWebhookSink({ defaultResponse: 204 });
    url = sink.url('/x');
    const response = await fetch(url, { method: 'POST' });
    assert.equal(response.status, 204);
  }
  await assert.rejects(fetch(url, { method: 'POST' }));
});
