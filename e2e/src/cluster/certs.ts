/**
 * Certificates of a local control plane: one CA, the apiserver's serving certificate and a
 * client certificate per identity (admin in system:masters, the controller-manager and the
 * scheduler under their system names), plus the service-account signing key pair.
 *
 * Node has no X.509 writer, so the certificates come from the `openssl` CLI (OpenSSL 3: `req
 * -x509 -CA` signs in one call). EC P-256 keys keep generation in the milliseconds.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClientIdentity {
  /** Certificate common name: the user name the apiserver sees. */
  user: string;
  /** Certificate organisations: the groups. */
  groups: string[];
}

export interface Certificates {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** Client certificate and key file per identity name. */
  clients: Record<string, { cert: string; key: string }>;
}

// A minimal config so that only the extensions given on the command line are written (the
// system's default config would add CA:TRUE to every certificate made with `req -x509`).
const minimalConfig = '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n';

export async function generateCertificates(
  dir: string,
  identities: Record<string, ClientIdentity>,
): Promise<Certificates> {
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, minimalConfig);
  const file = (name: string) => join(dir, name);
  const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650'];
  const openssl = (args: string[]) =>
    run('openssl', ['req', '-x509', '-config', config, ...keyArgs, ...args]);

  await openssl([
    ...['-keyout', file('ca.key'), '-out', file('ca.crt'), '-subj', '/CN=weft-e2e-ca'],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  const signed = (name: string, subject: string, extensions: string[]) =>
    openssl([
      ...['-keyout', file(`${name}.key`), '-out', file(`${name}.crt`), '-subj', subject],
      ...['-CA', file('ca.crt'), '-CAkey', file('ca.key')],
      ...['-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature'],
      ...extensions.flatMap((extension) => ['-addext', extension]),
    ]);

  const clients: Certificates['clients'] = {};
  await Promise.all([
    signed('apiserver', '/CN=kube-apiserver', [
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1',
    ]),
    ...Object.entries(identities).map(async ([name, identity]) => {
      const subject = `${identity.groups.map((group) => `/O=${group}`).join('')}/CN=${identity.user}`;
      await signed(`client-${name}`, subject, ['extendedKeyUsage=clientAuth']);
      clients[name] = { cert: file(`client-${name}.crt`), key: file(`client-${name}.key`) };
    }),
  ]);

  const serviceAccount = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  await writeFile(file('sa.key'), serviceAccount.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(file('sa.pub'), serviceAccount.publicKey.export({ type: 'spki', format: 'pem' }));

  return {
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    serverCert: file('apiserver.crt'),
    serverKey: file('apiserver.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPub: file('sa.pub'),
    clients,
  };
}
