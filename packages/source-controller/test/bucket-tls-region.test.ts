/**
 * Bucket `certSecretRef` and `region` against the real S3 server (versitygw): HTTPS with a
 * throw-away CA and a required client certificate (a TLS endpoint in front of versitygw, which
 * passes the bytes through, so the signature v4 exchange is versitygw's own), and a server in
 * another region, whose signatures must name that region.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';
import { type S3Server, startS3Server, testNamespace, useCluster } from '@weft/e2e';
import { Client } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import { installCrds, type KubeConfig } from './helpers.ts';
import { conditionOf, createSecret, SourceKind, startController } from './oci-helpers.ts';

const exec = promisify(execFile);
const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'buckettls');
const shard = `sc-${randomBytes(3).toString('hex')}`;

let client: Client;
let controller: Manager;
let s3: S3Server;
let regional: S3Server;
let tlsFront: Server;
let tlsEndpoint: string;
let work: string;
let buckets: SourceKind;
const pem: Record<string, string> = {};

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl. */
async function certificates(dir: string): Promise<void> {
  const file = (name: string) => join(dir, name);
  await writeFile(file('openssl.cnf'), '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n');
  const req = (args: string[]) =>
    exec('openssl', [
      'req',
      '-x509',
      '-config',
      file('openssl.cnf'),
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      ...args,
    ]);
  await req([
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-subj',
    '/CN=bucket-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  ]);
  for (const [name, extension] of [
    ['server', 'subjectAltName=IP:127.0.0.1'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const)
    await req([
      ...['-keyout', file(`${name}.key`), '-out', file(`${name}.crt`), '-subj', `/CN=${name}`],
      ...['-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-addext', extension],
    ]);
  for (const name of ['ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key'])
    pem[name] = await readFile(file(name), 'utf8');
}

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  work = await mkdtemp(join(tmpdir(), 'weft-sc-buckettls-'));
  await certificates(work);
  s3 = await startS3Server();
  regional = await startS3Server({ region: 'eu-central-1' });
  for (const server of [s3, regional]) {
    await server.createBucket('manifests');
    await server.put('manifests', 'app.yaml', `kind: ConfigMap # ${server.region}\n`);
  }
  const sockets = new Set<Socket>();
  tlsFront = createServer(
    {
      cert: pem['server.crt'],
      key: pem['server.key'],
      ca: pem['ca.crt'],
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      const upstream = connect(s3.port, '127.0.0.1');
      for (const end of [socket, upstream]) {
        sockets.add(end);
        end.on('close', () => sockets.delete(end));
        end.on('error', () => end.destroy());
      }
      socket.pipe(upstream).pipe(socket);
    },
  );
  tlsFront.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  await new Promise<void>((resolve) => tlsFront.listen(0, '127.0.0.1', resolve));
  const address = tlsFront.address();
  tlsEndpoint = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  buckets = new SourceKind(client, 'Bucket', namespace, shard);
  for (const [name, server] of [
    ['keys', s3],
    ['regional-keys', regional],
  ] as const)
    await createSecret(client, namespace, name, { accesskey: server.accessKey, secretkey: server.secretKey });
  controller = await startController(kubeConfig, join(work, 'storage'), shard);
});

after(async () => {
  await controller?.stop();
  tlsFront?.close();
  await s3?.stop();
  await regional?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('Bucket certSecretRef and region', () => {
  it('reaches an HTTPS endpoint that requires a client certificate with ca.crt, tls.crt and tls.key', async () => {
    await createSecret(client, namespace, 'tls', {
      'ca.crt': pem['ca.crt'] ?? '',
      'tls.crt': pem['client.crt'] ?? '',
      'tls.key': pem['client.key'] ?? '',
    });
    await createSecret(client, namespace, 'ca-only', { 'ca.crt': pem['ca.crt'] ?? '' });
    const spec = { bucketName: 'manifests', endpoint: tlsEndpoint, secretRef: { name: 'keys' } };
    await buckets.create('tls', { ...spec, certSecretRef: { name: 'tls' } });
    const obj = await buckets.waitReady('tls');
    assert.match(obj.status?.artifact?.revision ?? '', /^sha256:[0-9a-f]{64}$/);

    // Without the client certificate the handshake is refused; without the CA the server is not trusted.
    await buckets.create('no-client-cert', { ...spec, certSecretRef: { name: 'ca-only' } });
    const refused = await buckets.waitNotReady('no-client-cert', 'BucketOperationFailed');
    assert.match(conditionOf(refused, 'Ready')?.message ?? '', /certificate|socket|ECONNRESET|alert/i);
    await buckets.create('untrusted', spec);
    const untrusted = await buckets.waitNotReady('untrusted', 'BucketOperationFailed');
    assert.match(conditionOf(untrusted, 'Ready')?.message ?? '', /certificate/i);
  });

  it('signs for spec.region: the right region is Ready, the default region is refused by the server', async () => {
    const spec = {
      bucketName: 'manifests',
      endpoint: regional.endpoint,
      insecure: true,
      secretRef: { name: 'regional-keys' },
    };
    await buckets.create('eu', { ...spec, region: 'eu-central-1' });
    await buckets.waitReady('eu');
    await buckets.create('wrong-region', spec);
    const wrong = await eventuallyFailed('wrong-region');
    assert.match(conditionOf(wrong, 'Ready')?.message ?? '', /region|signature|authorization/i);
  });
});

async function eventuallyFailed(name: string) {
  const { eventually } = await import('./helpers.ts');
  return eventually(`${name} Ready=False`, async () => {
    const obj = await buckets.get(name);
    return conditionOf(obj, 'Ready')?.status === 'False' && conditionOf(obj, 'FetchFailed') ? obj : undefined;
  });
}
