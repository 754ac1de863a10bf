import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type OciRegistry, startOciRegistry } from '@weft/e2e';
import { type OciError, pushArtifact, RegistryClient, TokenCache } from '../src/index.ts';

const auth = { username: 'robot', password: 'token-flow-secret' };
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'weft-oci-token-'));
  await writeFile(join(work, 'a.yaml'), 'a: 1\n');
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('Bearer token auth (the registry with a token server)', () => {
  let registry: OciRegistry;
  before(async () => {
    registry = await startOciRegistry({ auth, tokenAuth: true, accessLog: true });
  });
  after(async () => {
    await registry.stop();
  });

  test('credentials are traded for tokens scoped per repository and actions', async () => {
    const client = new RegistryClient({ registry: registry.host, insecure: true, credentials: auth });
    const pushed = await pushArtifact({ client, repository: 'team/app', tag: 'v1', dir: work });
    assert.equal((await client.resolve('team/app', 'v1')).digest, pushed.digest);
    assert.deepEqual(await client.listTags('team/app'), ['v1']);
    client.close();
    assert.ok(registry.tokenServer?.scopes.includes('repository:team/app:pull,push'), 'a push token');
    assert.ok(registry.tokenServer?.scopes.includes('repository:team/app:pull'), 'a pull token');
  });

  test('clients sharing a TokenCache reuse a token: the next resolve is one HEAD; other credentials get none of it', async () => {
    const tokens = new TokenCache();
    const first = new RegistryClient({ registry: registry.host, insecure: true, credentials: auth, tokens });
    const pushed = await pushArtifact({ client: first, repository: 'team/shared', tag: 'v1', dir: work });
    assert.equal((await first.resolve('team/shared', 'v1')).digest, pushed.digest);
    first.close();
    const tokenRequests = registry.tokenServer?.scopes.length;
    const before = registry.requests().length;
    const next = new RegistryClient({ registry: registry.host, insecure: true, credentials: auth, tokens });
    assert.equal((await next.resolve('team/shared', 'v1')).digest, pushed.digest);
    next.close();
    assert.deepEqual(registry.requests().slice(before), ['HEAD /v2/team/shared/manifests/v1']);
    assert.equal(registry.tokenServer?.scopes.length, tokenRequests, 'no new token');
    const stranger = new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'robot', password: 'not-the-password' },
      tokens,
    });
    await assert.rejects(
      stranger.resolve('team/shared', 'v1'),
      (error: OciError) => error.code === 'Unauthorized',
      'the cached token is not sent for other credentials',
    );
    stranger.close();
    const anonymous = new RegistryClient({ registry: registry.host, insecure: true, tokens });
    await assert.rejects(
      anonymous.resolve('team/shared', 'v1'),
      (error: OciError) => error.code === 'Unauthorized',
    );
    anonymous.close();
  });

  test('the token endpoint refusing the credentials is Unauthorized, without them in the message', async () => {
    const client = new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'robot', password: 'wrong-token-pw' },
    });
    await assert.rejects(
      client.resolve('team/app', 'v1'),
      (error: OciError) =>
        error.code === 'Unauthorized' &&
        /token endpoint .* refused the credentials/.test(error.message) &&
        !error.message.includes('wrong-token-pw'),
    );
    client.close();
  });
});

describe('TLS (a registry that requires a client certificate)', () => {
  let registry: OciRegistry;
  before(async () => {
    registry = await startOciRegistry({ tls: 'mutual' });
  });
  after(async () => {
    await registry.stop();
  });

  test('the CA and client certificate reach it; without the CA the certificate is refused', async () => {
    const tls = registry.tls;
    assert.ok(tls);
    const client = new RegistryClient({
      registry: registry.host,
      tls: { ca: tls.caPem, cert: tls.clientCertPem, key: tls.clientKeyPem },
    });
    const pushed = await pushArtifact({ client, repository: 'secure/app', tag: 'v1', dir: work });
    assert.equal((await client.resolve('secure/app', 'v1')).digest, pushed.digest);
    client.close();
    const untrusting = new RegistryClient({ registry: registry.host });
    await assert.rejects(
      untrusting.resolve('secure/app', 'v1'),
      (error: OciError) => error.code === 'Network',
    );
    untrusting.close();
    const noClientCert = new RegistryClient({ registry: registry.host, tls: { ca: tls.caPem } });
    await assert.rejects(noClientCert.resolve('secure/app', 'v1'));
    noClientCert.close();
  });
});
