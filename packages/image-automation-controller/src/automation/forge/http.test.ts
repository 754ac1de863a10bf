import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeServer, generateCertificates, listenOnLoopback, makeTempDir, removeDir } from '@weft/e2e';
import { ForgeError } from './forge.ts';
import { requestJson } from './http.ts';

/**
 * The TLS of the forge calls, against a real HTTPS server on loopback (node:https, a certificate
 * of a throw-away CA): it checks the handshake and the client's handling of answers, it plays no
 * forge.
 */
describe('requestJson over HTTPS', () => {
  let dir = '';
  let server: Server;
  let url = '';
  let ca = '';
  let otherCa = '';
  const seen: { method: string; path: string; authorization: string | undefined }[] = [];

  before(async () => {
    dir = await makeTempDir('forge-tls');
    const pems = async (name: string) => {
      await mkdir(join(dir, name));
      const certs = await generateCertificates(join(dir, name), {});
      return {
        ca: await readFile(certs.caCert, 'utf8'),
        cert: await readFile(certs.serverCert, 'utf8'),
        key: await readFile(certs.serverKey, 'utf8'),
      };
    };
    const [own, other] = await Promise.all([pems('own'), pems('other')]);
    ca = own.ca;
    otherCa = other.ca;
    server = createServer({ cert: own.cert, key: own.key }, (request, response) => {
      seen.push({
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
      });
      if (request.url === '/moved') {
        response.writeHead(302, { Location: '/elsewhere' }).end();
        return;
      }
      if (request.url === '/denied') {
        response.writeHead(401, { 'Content-Type': 'application/json' }).end('{"message":"bad token"}');
        return;
      }
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        response
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ echoed: body === '' ? null : JSON.parse(body) }));
      });
    });
    url = `https://127.0.0.1:${await listenOnLoopback(server)}`;
  });
  after(async () => {
    await closeServer(server);
    await removeDir(dir);
  });

  test('with the CA: the request goes through, body and headers as sent', async () => {
    const answer = await requestJson<{ echoed: unknown }>({
      method: 'POST',
      url: `${url}/api/pulls`,
      headers: { Authorization: 'token t0ken' },
      body: { title: 'Update a' },
      tls: { ca },
    });
    assert.deepEqual(answer, { echoed: { title: 'Update a' } });
    assert.deepEqual(seen.at(-1), { method: 'POST', path: '/api/pulls', authorization: 'token t0ken' });
  });

  test('without a CA (system roots only): TLS verification fails, naming the secret key to set', async () => {
    const before = seen.length;
    await assert.rejects(
      requestJson({ method: 'GET', url: `${url}/api/pulls`, headers: { Authorization: 'token t0ken' } }),
      (error: unknown) =>
        error instanceof ForgeError &&
        /GET \/api\/pulls on https:\/\/127\.0\.0\.1:\d+ failed: TLS verification failed .*put the forge’s CA in the GitRepository secret’s "ca\.crt"/.test(
          error.message,
        ) &&
        !error.message.includes('t0ken'),
    );
    assert.equal(seen.length, before, 'nothing reached the server');
  });

  test('another CA replaces the system roots and does not verify this server', async () => {
    await assert.rejects(
      requestJson({ method: 'GET', url: `${url}/api/pulls`, headers: {}, tls: { ca: otherCa } }),
      /TLS verification failed .*does not verify the forge’s certificate/,
    );
  });

  test('a redirect is not followed; an error status names the forge message, never the token', async () => {
    await assert.rejects(
      requestJson({ method: 'GET', url: `${url}/moved`, headers: {}, tls: { ca } }),
      /GET \/moved answered HTTP 302 \(a redirect, not followed\)/,
    );
    await assert.rejects(
      requestJson({
        method: 'GET',
        url: `${url}/denied`,
        headers: { Authorization: 'token t0ken' },
        tls: { ca },
      }),
      (error: unknown) =>
        error instanceof ForgeError &&
        /answered HTTP 401: bad token \(check the token/.test(error.message) &&
        !error.message.includes('t0ken'),
    );
  });
});
