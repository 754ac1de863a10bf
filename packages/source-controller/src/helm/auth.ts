/**
 * A HelmRepository's credentials: `spec.secretRef` (username, password) and `spec.certSecretRef`
 * (ca.crt, and tls.crt with tls.key for a client certificate), read from the object's namespace.
 */
import type { HelmRepository } from '@weft/api';
import { type Client, decodeSecretData, type KubeObject } from '@weft/runtime/client';
import { HelmError } from './errors.ts';
import type { HelmTransport } from './http.ts';

type SecretReader = Pick<Client, 'get'>;

async function secretData(client: SecretReader, namespace: string, name: string, field: string) {
  let secret: KubeObject;
  try {
    secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  } catch (cause) {
    throw new HelmError('InvalidSecret', `cannot read secret ${namespace}/${name} (${field})`, { cause });
  }
  return decodeSecretData(secret);
}

/** The transport of a repository; no secret values ever reach a message. */
export async function repositoryTransport(
  client: SecretReader,
  repository: HelmRepository & KubeObject,
): Promise<HelmTransport> {
  const namespace = repository.metadata.namespace ?? '';
  const transport: HelmTransport = {};
  const secretRef = repository.spec.secretRef;
  if (secretRef) {
    const data = await secretData(client, namespace, secretRef.name, 'spec.secretRef');
    const { username, password } = data;
    if (repository.spec.type === 'oci' && data['.dockerconfigjson'] !== undefined) {
      // A registry login secret: validated for shape here, used by the OCI client.
      try {
        JSON.parse(data['.dockerconfigjson']);
      } catch (cause) {
        throw new HelmError(
          'InvalidSecret',
          `secret ${namespace}/${secretRef.name} (spec.secretRef): .dockerconfigjson is not valid JSON`,
          { cause },
        );
      }
    } else if (username === undefined || password === undefined || username === '') {
      throw new HelmError(
        'InvalidSecret',
        `secret ${namespace}/${secretRef.name} (spec.secretRef) must have the keys "username" and "password"`,
      );
    } else {
      transport.basicAuth = { username, password };
    }
  }
  const certRef = repository.spec.certSecretRef;
  if (certRef) {
    const data = await secretData(client, namespace, certRef.name, 'spec.certSecretRef');
    const tls: NonNullable<HelmTransport['tls']> = {};
    if (data['ca.crt'] !== undefined) tls.ca = data['ca.crt'];
    if ((data['tls.crt'] === undefined) !== (data['tls.key'] === undefined))
      throw new HelmError(
        'InvalidSecret',
        `secret ${namespace}/${certRef.name} (spec.certSecretRef) must have both "tls.crt" and "tls.key", or neither`,
      );
    if (data['tls.crt'] !== undefined) tls.cert = data['tls.crt'];
    if (data['tls.key'] !== undefined) tls.key = data['tls.key'];
    if (Object.keys(tls).length === 0)
      throw new HelmError(
        'InvalidSecret',
        `secret ${namespace}/${certRef.name} (spec.certSecretRef) has none of "ca.crt", "tls.crt", "tls.key"`,
      );
    transport.tls = tls;
  }
  return transport;
}

/**
 * What a chart download on `chartUrl` may carry: the TLS settings always, the credentials only on
 * the repository's own host unless `passCredentials` (Helm's rule, so a chart hosted elsewhere
 * never sees them).
 */
export function chartTransport(
  repositoryUrl: string,
  chartUrl: string,
  transport: HelmTransport,
  passCredentials: boolean,
): HelmTransport {
  const sameHost = new URL(repositoryUrl).host === new URL(chartUrl).host;
  if (sameHost || passCredentials) return transport;
  const { basicAuth: _dropped, ...rest } = transport;
  return rest;
}
