import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../client.ts';
import { type Credentials, credentialsFromDockerConfig } from '../credentials.ts';
import { OciError } from '../errors.ts';
import type { OciReference } from '../reference.ts';

/** Flags every command shares: how to reach and log in to the registry. */
export const registryFlags = {
  creds: { type: 'string' },
  'insecure-registry': { type: 'boolean', default: false },
  'docker-config': { type: 'string' },
  'ca-file': { type: 'string' },
} as const;

export interface RegistryFlagValues {
  creds?: string | undefined;
  'insecure-registry'?: boolean | undefined;
  'docker-config'?: string | undefined;
  'ca-file'?: string | undefined;
}

/**
 * A client for the reference's registry. Credentials: `--creds user:password`, else the
 * `WEFT_OCI_CREDS` variable (CI systems keep secrets out of argv), else the Docker config file.
 */
export async function clientFor(
  ref: OciReference,
  values: RegistryFlagValues,
  env: NodeJS.ProcessEnv,
): Promise<RegistryClient> {
  const credentials =
    parseCreds(values.creds ?? env.WEFT_OCI_CREDS) ?? (await dockerConfigCredentials(ref, values, env));
  const ca = values['ca-file'] ? await readFile(values['ca-file']) : undefined;
  return new RegistryClient({
    registry: ref.registry,
    insecure: values['insecure-registry'] ?? false,
    credentials,
    ...(ca ? { tls: { ca } } : {}),
    userAgent: 'weft-artifact',
  });
}

function parseCreds(text: string | undefined): Credentials | undefined {
  if (text === undefined || text === '') return undefined;
  const colon = text.indexOf(':');
  if (colon < 0) throw new OciError('InvalidCredentials', '--creds must be <username>:<password>');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

async function dockerConfigCredentials(
  ref: OciReference,
  values: RegistryFlagValues,
  env: NodeJS.ProcessEnv,
): Promise<Credentials | undefined> {
  const path =
    values['docker-config'] ??
    join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  return credentialsFromDockerConfig(text, ref.registry, path);
}
