/**
 * Git over SSH on loopback: OpenSSH's `sshd` with a throw-away configuration, a generated host
 * key and one generated client key whose sessions are forced to `git-shell`, serving the bare
 * repositories of a {@link GitRepoStore}. Password and keyboard-interactive logins are off, so
 * the client key is the only way in, and it can run nothing but git's fetch and push commands.
 *
 * sshd authenticates real system users: the URL's user is the user running the tests (`root` in
 * CI containers), not `git`, so no account has to be added to the machine.
 */
import { existsSync } from 'node:fs';
import { appendFile, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../cluster/ports.ts';
import { ManagedProcess } from '../cluster/process.ts';
import { GitRepoHost, GitRepoStore } from './git-repos.ts';
import { loopbackHost } from './loopback.ts';
import { makeTempDir, removeDir, run } from './process.ts';

export interface GitSshServerOptions {
  /** Path of the sshd binary; default `/usr/sbin/sshd` (Debian's `openssh-server`). */
  sshdPath?: string;
}

export interface SshKeyPair {
  /** OpenSSH private key (PEM-like `-----BEGIN OPENSSH PRIVATE KEY-----` text). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicKey: string;
  /** Where the private key is written (mode 0600), for `ssh -i`. */
  privateKeyPath: string;
}

/** Generates an ed25519 key pair without passphrase in `dir` under `name`. */
export async function generateSshKey(dir: string, name: string): Promise<SshKeyPair> {
  const privateKeyPath = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `weft-e2e-${name}`, '-f', privateKeyPath]);
  return {
    privateKey: await readFile(privateKeyPath, 'utf8'),
    publicKey: (await readFile(`${privateKeyPath}.pub`, 'utf8')).trim(),
    privateKeyPath,
  };
}

/** Starts sshd on a free loopback port. */
export async function startGitSshServer(options: GitSshServerOptions = {}): Promise<GitSshServer> {
  const sshdPath = options.sshdPath ?? '/usr/sbin/sshd';
  if (!existsSync(sshdPath)) {
    throw new Error(
      `${sshdPath} not found: install Debian's openssh-server package (apt-get install openssh-server)`,
    );
  }
  const dir = await makeTempDir('git-ssh');
  try {
    const repos = new GitRepoStore(join(dir, 'repos'), join(dir, 'home'));
    await mkdir(repos.root, { recursive: true });
    await mkdir(repos.home, { recursive: true });
    const hostKey = await generateSshKey(dir, 'ssh_host_ed25519_key');
    const clientKey = await generateSshKey(dir, 'client_ed25519');
    const user = userInfo().username;
    // sshd checks this privilege separation directory exists whenever it runs as root.
    if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

    const forced = `env -i PATH=/usr/bin:/bin HOME=${repos.home} GIT_CONFIG_NOSYSTEM=1 GIT_PROTOCOL="$GIT_PROTOCOL" git-shell -c "$SSH_ORIGINAL_COMMAND"`;
    const authorizedKeys = join(dir, 'authorized_keys');
    await writeFile(authorizedKeys, `restrict ${clientKey.publicKey}\n`, { mode: 0o600 });

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = join(dir, 'sshd_config');
      await writeFile(
        config,
        [
          `Port ${port}`,
          `ListenAddress ${loopbackHost}`,
          `HostKey ${hostKey.privateKeyPath}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${authorizedKeys}`,
          `AllowUsers ${user}`,
          'PermitRootLogin prohibit-password',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'HostbasedAuthentication no',
          'UsePAM no',
          'StrictModes no',
          'PermitUserEnvironment no',
          'AllowTcpForwarding no',
          'AllowAgentForwarding no',
          'X11Forwarding no',
          'PermitTTY no',
          'PrintMotd no',
          'UseDNS no',
          'AcceptEnv GIT_PROTOCOL',
          'LogLevel INFO',
          `ForceCommand ${forced}`,
          '',
        ].join('\n'),
      );
      await chmod(config, 0o600);
      const daemon = new ManagedProcess({
        name: 'sshd',
        command: sshdPath,
        args: ['-D', '-e', '-f', config],
        group: true,
      }).start();
      try {
        await daemon.waitForOutput(/Server listening on/);
        return new GitSshServer(dir, repos, daemon, port, user, clientKey, hostKey.publicKey);
      } catch (error) {
        await daemon.stop();
        // Another process may have taken the probed port in the meantime: try a new one.
        if (attempt < 5 && /Address already in use/.test(daemon.output)) continue;
        throw error;
      }
    }
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

export class GitSshServer extends GitRepoHost {
  readonly host = loopbackHost;
  readonly port: number;
  /** The system user the URLs log in as. */
  readonly user: string;
  /** The only key sshd accepts. */
  readonly clientPrivateKey: string;
  readonly clientPublicKey: string;
  /** Path of the client private key file (mode 0600), for `ssh -i`. */
  readonly clientPrivateKeyPath: string;
  /** `ssh-ed25519 AAAA…` of the server. */
  readonly hostPublicKey: string;
  /** A known_hosts line for this server: `[127.0.0.1]:PORT ssh-ed25519 AAAA…`. */
  readonly knownHosts: string;
  /** Path of a known_hosts file holding {@link knownHosts}. */
  readonly knownHostsPath: string;
  #dir: string;
  #daemon: ManagedProcess;

  constructor(
    dir: string,
    repos: GitRepoStore,
    daemon: ManagedProcess,
    port: number,
    user: string,
    clientKey: SshKeyPair,
    hostPublicKey: string,
  ) {
    super(repos);
    this.#dir = dir;
    this.#daemon = daemon;
    this.port = port;
    this.user = user;
    this.clientPrivateKey = clientKey.privateKey;
    this.clientPublicKey = clientKey.publicKey;
    this.clientPrivateKeyPath = clientKey.privateKeyPath;
    const [type, key] = hostPublicKey.split(/\s+/);
    this.hostPublicKey = `${type} ${key}`;
    this.knownHosts = `[${loopbackHost}]:${port} ${this.hostPublicKey}`;
    this.knownHostsPath = join(dir, 'known_hosts');
  }

  /**
   * Lets one more public key in (restricted to git-shell, as the client key): what registering
   * a deploy key with a Git host does. sshd reads the file at each login.
   */
  async authorize(publicKey: string): Promise<void> {
    await appendFile(join(this.#dir, 'authorized_keys'), `restrict ${publicKey.trim()}\n`);
  }

  /** sshd's log so far (it runs with `-e`), for diagnosing a refused login. */
  get log(): string {
    return this.#daemon.output;
  }

  /**
   * `ssh://USER@127.0.0.1:PORT/<absolute path of the bare repository>`: git-shell runs the
   * command on the path as given, so the URL carries the full path under the temp directory.
   */
  url(repo: string): string {
    return `ssh://${this.user}@${loopbackHost}:${this.port}${this.repos.path(repo)}`;
  }

  /**
   * A `GIT_SSH_COMMAND` that logs in with the client key and checks the host key strictly
   * against {@link knownHostsPath}, ignoring the user's ssh configuration.
   */
  async sshCommand(): Promise<string> {
    await writeFile(this.knownHostsPath, `${this.knownHosts}\n`);
    return sshCommandFor(this.clientPrivateKeyPath, this.knownHostsPath);
  }

  async stop(): Promise<void> {
    await this.#daemon.stop();
    await removeDir(this.#dir);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** An ssh command line using only `identityFile` and `knownHostsFile`, with strict host key checking. */
export function sshCommandFor(identityFile: string, knownHostsFile: string): string {
  return [
    'ssh',
    '-F /dev/null',
    `-i ${identityFile}`,
    '-o IdentitiesOnly=yes',
    '-o IdentityAgent=none',
    '-o BatchMode=yes',
    '-o StrictHostKeyChecking=yes',
    `-o UserKnownHostsFile=${knownHostsFile}`,
    '-o GlobalKnownHostsFile=/dev/null',
  ].join(' ');
}
