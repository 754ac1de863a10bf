/**
 * The Git credentials: what bootstrap pushes with, and the Secret source-controller reads (Flux's
 * keys: `username`/`password` for HTTP(S); `identity`, `identity.pub`, `known_hosts` for SSH).
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@weft/install';
import { CliError, ExitCode } from '../exit.ts';

export interface CredentialFlags {
  username?: string;
  password?: string;
  tokenAuth: boolean;
  privateKeyFile?: string;
  sshKnownHosts?: string;
}

export function httpCredentials(flags: CredentialFlags): { username: string; password: string } | undefined {
  if (flags.privateKeyFile) {
    throw new CliError(
      '--private-key-file is for ssh:// URLs; over HTTPS give --username/--password',
      ExitCode.Usage,
    );
  }
  if (flags.tokenAuth) {
    if (!flags.password) throw new CliError('--token-auth needs the token in --password', ExitCode.Usage);
    return { username: flags.username ?? 'git', password: flags.password };
  }
  if (Boolean(flags.username) !== Boolean(flags.password)) {
    throw new CliError('give both --username and --password, or neither', ExitCode.Usage);
  }
  return flags.username && flags.password
    ? { username: flags.username, password: flags.password }
    : undefined;
}

export async function readPrivateKey(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`--private-key-file ${path}: ${(error as Error).message}`, ExitCode.Usage);
  }
}

export function credentialsSecret(name: string, namespace: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    stringData: data,
  };
}

/**
 * A directory holding an SSH key and known_hosts for `ssh -i`, removed by `dispose`: OpenSSH
 * reads keys from files only, and refuses a key file others can read.
 */
export async function sshFiles(
  privateKey: string | undefined,
  knownHosts: string,
): Promise<{ sshCommand: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-ssh-'));
  const knownHostsPath = join(dir, 'known_hosts');
  await writeFile(knownHostsPath, knownHosts, { mode: 0o600 });
  const options = [
    'ssh -F /dev/null',
    '-o BatchMode=yes',
    '-o StrictHostKeyChecking=yes',
    `-o UserKnownHostsFile=${knownHostsPath}`,
    '-o GlobalKnownHostsFile=/dev/null',
  ];
  if (privateKey !== undefined) {
    const keyPath = join(dir, 'identity');
    await writeFile(keyPath, privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`, { mode: 0o600 });
    await chmod(keyPath, 0o600);
    options.push(`-i ${keyPath}`, '-o IdentitiesOnly=yes', '-o IdentityAgent=none');
  }
  return { sshCommand: options.join(' '), dispose: () => rm(dir, { recursive: true, force: true }) };
}
