// The HTTP transport against servers that want credentials, a private CA or do not answer; the
// plain fetches are in http.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type GitHttpServer, generateCertificates, listenOnLoopback, startGitHttpServer } from '@weft/e2e';
import { authFromSecret } from '@weft/git';
import { expectGitError } from './git.fixture.ts';
import { checkout, remoteRevision } from './index.ts';

let server: GitHttpServer;
let workDir: string;
let mainSha: string;
let counter = 0;
const outDir = () => join(workDir, `out-${counter++}`);

before(async () => {
  server = await startGitHttpServer();
  workDir = await mkdtemp(join(tmpdir(), 'weft-git-auth-test-'));
  mainSha = await server.createRepo('app', { 'deploy/app.yaml': 'kind: ConfigMap\n' });
});

after(async () => {
  await server.stop();
  await rm(workDir, { recursive: true, force: true });
});

describe('authentication and network failures', () => {
  it('authenticates with basic auth and names the secret, never the password, when refused', async () => {
    await using secured = await startGitHttpServer({ auth: { username: 'alice', password: 's3cret-value' } });
    await secured.createRepo('private', { 'a.yaml': 'a' });
    const url = secured.url('private');
    const good = authFromSecret(url, 'team/git-creds', { username: 'alice', password: 's3cret-value' });
    const result = await checkout({ url, auth: good, ref: { branch: 'main' }, dir: outDir() });
    assert.match(result.revision, /^main@sha1:/);
    const bad = authFromSecret(url, 'team/git-creds', { username: 'alice', password: 'wrong-password' });
    const error = await expectGitError(
      remoteRevision({ url, auth: bad, ref: { branch: 'main' } }),
      'AuthenticationFailed',
      /team\/git-creds.*"username"\/"password"/,
    );
    assert.doesNotMatch(error.message, /wrong-password|s3cret/);
    await expectGitError(
      remoteRevision({ url, ref: { branch: 'main' } }),
      'AuthenticationFailed',
      /set spec\.secretRef/,
    );
  });

  it('sends a bearer token', async () => {
    const tokenServer = createTokenProxy(server, 'tok-123');
    const port = await listenOnLoopback(tokenServer);
    try {
      const url = `http://127.0.0.1:${port}/app.git`;
      const auth = authFromSecret(url, 'ns/token', { bearerToken: 'tok-123' });
      assert.equal((await remoteRevision({ url, auth, ref: { branch: 'main' } })).commit, mainSha);
      const wrong = authFromSecret(url, 'ns/token', { bearerToken: 'nope' });
      await expectGitError(
        remoteRevision({ url, auth: wrong, ref: { branch: 'main' } }),
        'AuthenticationFailed',
        /"bearerToken"/,
      );
    } finally {
      tokenServer.close();
    }
  });

  it('trusts a private CA from ca.crt and refuses the server without it', async () => {
    const certs = await generateCertificates(workDir, {});
    const tls = {
      ca: await readFile(certs.caCert, 'utf8'),
      key: await readFile(certs.serverKey, 'utf8'),
      cert: await readFile(certs.serverCert, 'utf8'),
    };
    const httpsServer = createHttpsServer({ key: tls.key, cert: tls.cert }, (request, response) => {
      const upstream = httpRequest(
        `${server.baseUrl}${request.url ?? '/'}`,
        { method: request.method ?? 'GET', headers: request.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(response);
        },
      );
      request.pipe(upstream);
    });
    const port = await listenOnLoopback(httpsServer);
    try {
      const url = `https://127.0.0.1:${port}/app.git`;
      const auth = authFromSecret(url, 'ns/tls', { 'ca.crt': tls.ca });
      const result = await checkout({ url, auth, ref: { branch: 'main' }, dir: outDir() });
      assert.equal(result.commit, mainSha);
      await expectGitError(remoteRevision({ url, ref: { branch: 'main' } }), 'Unreachable', /ca\.crt/);
    } finally {
      httpsServer.closeAllConnections();
      httpsServer.close();
    }
  });

  it('reports a refused connection and a timeout', async () => {
    const closed = createNetServer();
    const closedPort = await listenOnLoopback(closed);
    closed.close();
    await expectGitError(
      remoteRevision({ url: `http://127.0.0.1:${closedPort}/x.git`, ref: { branch: 'main' } }),
      'Unreachable',
      /ECONNREFUSED/,
    );
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket));
    const silentPort = await listenOnLoopback(silent);
    try {
      await expectGitError(
        remoteRevision({
          url: `http://127.0.0.1:${silentPort}/x.git`,
          ref: { branch: 'main' },
          timeoutMs: 300,
        }),
        'Timeout',
        /timed out/,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('refuses secrets that cannot work, naming the key', () => {
    assert.throws(
      () => authFromSecret('https://h/r', 'ns/s', { username: 'u' }),
      /ns\/s has no key "password"/,
    );
    assert.throws(
      () => authFromSecret('ssh://git@h/r', 'ns/s', { known_hosts: 'x' }),
      /ns\/s has no key "identity"/,
    );
    assert.throws(
      () => authFromSecret('ssh://git@h/r', 'ns/s', { identity: 'k' }),
      /ns\/s has no key "known_hosts"/,
    );
    assert.throws(
      () => authFromSecret('https://h/r', 'ns/s', { 'ca.crt': 'junk' }),
      /"ca\.crt" is not a PEM/,
    );
  });
});

/** A proxy in front of the git server that wants `Authorization: Bearer <token>`. */
function createTokenProxy(upstream: GitHttpServer, token: string) {
  return createHttpServer((request, response) => {
    if (request.headers.authorization !== `Bearer ${token}`) {
      request.resume();
      response.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    const forward = httpRequest(
      `${upstream.baseUrl}${request.url ?? '/'}`,
      { method: request.method ?? 'GET', headers: { ...request.headers, authorization: '' } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(response);
      },
    );
    request.pipe(forward);
  });
}
