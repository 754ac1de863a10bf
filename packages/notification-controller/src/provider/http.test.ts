import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { DeliveryError, HttpSender } from './http.ts';

async function server(statuses: number[], body = '') {
  const seen: number[] = [];
  const srv = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const status = statuses.shift() ?? 200;
      seen.push(status);
      response.writeHead(status);
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hooks/secret-path`, seen };
}

describe('HttpSender', () => {
  const sender = new HttpSender();
  after(() => sender.close());
  const request = (url: string) => ({ url, headers: { 'Content-Type': 'application/json' }, body: '{}' });

  test('retries 5xx until a 2xx', async () => {
    const { url, seen } = await server([503, 500, 200]);
    const result = await sender.send(request(url), { timeoutMs: 2000, retryBaseMs: 1 });
    assert.equal(result.attempts, 3);
    assert.deepEqual(seen, [503, 500, 200]);
  });

  test('a 4xx is final, with the status, no path, and no secret', async () => {
    const { url, seen } = await server([401], 'bad token tok-123456');
    const error = await sender
      .send(request(url), { timeoutMs: 2000, retryBaseMs: 1, secrets: ['tok-123456'] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.status, 401);
    assert.ok(error.permanent);
    assert.deepEqual(seen, [401]);
    assert.ok(!error.message.includes('secret-path'));
    assert.ok(!error.message.includes('tok-123456'));
    assert.match(error.message, /status 401: bad token \[REDACTED\]/);
  });

  test('gives up after the retries with a retryable error', async () => {
    const { url, seen } = await server([500, 500, 500]);
    const error = await sender
      .send(request(url), { timeoutMs: 2000, retries: 2, retryBaseMs: 1 })
      .catch((e: unknown) => e);
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.permanent, false);
    assert.equal(seen.length, 3);
  });
});
