import { OciError } from './errors.ts';

/** Registry credentials: a username and password (or identity token) for basic auth and the token flow. */
export interface Credentials {
  username: string;
  password: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

/** The host part of a `.dockerconfigjson` key: `https://host:port/v1/`, `host:port` or `host`. */
function hostOfKey(key: string): string {
  const withoutScheme = key.replace(/^[a-z]+:\/\//i, '');
  return withoutScheme.split('/')[0] ?? '';
}

/**
 * The credentials a `kubernetes.io/dockerconfigjson` Secret's `.dockerconfigjson` holds for
 * `registry` (`host[:port]`), or undefined when it names that registry nowhere. `source` names the
 * Secret in errors; the secret values never appear in one.
 */
export function credentialsFromDockerConfig(
  json: string,
  registry: string,
  source: string,
): Credentials | undefined {
  let config: DockerConfig;
  try {
    config = JSON.parse(json) as DockerConfig;
  } catch {
    throw new OciError('InvalidCredentials', `${source}: .dockerconfigjson is not valid JSON`);
  }
  if (typeof config !== 'object' || config === null || typeof config.auths !== 'object')
    throw new OciError('InvalidCredentials', `${source}: .dockerconfigjson has no "auths" object`);
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (hostOfKey(key) !== registry || typeof entry !== 'object' || entry === null) continue;
    if (entry.username !== undefined && entry.password !== undefined)
      return { username: entry.username, password: entry.password };
    if (entry.auth !== undefined) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0)
        throw new OciError(
          'InvalidCredentials',
          `${source}: the "auth" of ${key} is not base64 of user:password`,
        );
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.identitytoken !== undefined) return { username: '<token>', password: entry.identitytoken };
  }
  return undefined;
}

/** A `.dockerconfigjson` body with one registry's credentials, as `kubectl create secret docker-registry` writes. */
export function dockerConfigFor(registry: string, credentials: Credentials): string {
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  return JSON.stringify({
    auths: { [registry]: { username: credentials.username, password: credentials.password, auth } },
  });
}
