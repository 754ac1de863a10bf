/**
 * Registry credentials and TLS material from the data of Kubernetes Secrets, as every weft
 * controller that talks to a registry reads them (`kubernetes.io/dockerconfigjson` pull secrets,
 * `ca.crt`/`tls.crt`/`tls.key` cert secrets). The caller reads the Secret; these only interpret
 * its decoded data, and their errors name the Secret, never a value.
 */
import { type Credentials, credentialsFromDockerConfig } from './credentials.ts';
import { OciError } from './errors.ts';
import type { TlsOptions } from './transport.ts';

/**
 * The credentials a pull secret (`.dockerconfigjson`, or the older `.dockercfg` without the
 * `auths` wrapper) holds for `registry`; undefined when it has none for that registry.
 */
export function credentialsFromPullSecret(
  data: Readonly<Record<string, string>>,
  registry: string,
  source: string,
): Credentials | undefined {
  const config = data['.dockerconfigjson'];
  if (config !== undefined)
    return firstFound(registry, (host) => credentialsFromDockerConfig(config, host, source));
  const legacy = data['.dockercfg'];
  if (legacy === undefined)
    throw new OciError(
      'InvalidCredentials',
      `${source} has no .dockerconfigjson: it must be of type kubernetes.io/dockerconfigjson`,
    );
  let auths: unknown;
  try {
    auths = JSON.parse(legacy);
  } catch {
    throw new OciError('InvalidCredentials', `${source}: .dockercfg is not valid JSON`);
  }
  const json = JSON.stringify({ auths });
  return firstFound(registry, (host) => credentialsFromDockerConfig(json, host, source));
}

// Docker Hub is written under any of these names in Docker configs (`docker login` writes the first).
const dockerHubNames = ['index.docker.io', 'docker.io', 'registry-1.docker.io'];

function firstFound(
  registry: string,
  lookup: (host: string) => Credentials | undefined,
): Credentials | undefined {
  for (const host of dockerHubNames.includes(registry) ? dockerHubNames : [registry]) {
    const found = lookup(host);
    if (found) return found;
  }
  return undefined;
}

/**
 * TLS material from a cert secret: `ca.crt`, `tls.crt` and `tls.key` (Flux's deprecated
 * `caFile`, `certFile`, `keyFile` too). A certificate without its key, or a secret with neither a
 * CA nor a certificate, is an error.
 */
export function tlsFromSecret(binary: Readonly<Record<string, Buffer>>, source: string): TlsOptions {
  const ca = binary['ca.crt'] ?? binary.caFile;
  const cert = binary['tls.crt'] ?? binary.certFile;
  const key = binary['tls.key'] ?? binary.keyFile;
  if ((cert === undefined) !== (key === undefined))
    throw new OciError('InvalidCredentials', `${source} must hold both tls.crt and tls.key, or neither`);
  if (!ca && !cert) throw new OciError('InvalidCredentials', `${source} has neither ca.crt nor tls.crt`);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
