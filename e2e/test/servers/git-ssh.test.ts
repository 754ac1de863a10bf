import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  generateSshKey,
  isolatedGitEnv,
  makeTempDir,
  removeDir,
  run,
  sshCommandFor,
  startGitSshServer,
} from '../../src/servers/index.ts';

let clientDir: string;
before(async () => {
  clientDir = await makeTempDir('git-ssh-client');
});
after(async () => {
  await removeDir(clientDir);
});

function git(args: string[], sshCommand: string, cwd = clientDir): Promise<string> {
  return run('git', args, {
    cwd,
    env: isolatedGitEnv(join(clientDir, 'home'), { GIT_SSH_COMMAND: sshCommand }),
  });
}

describe('git over SSH', async () => {
  const server = await startGitSshServer();
  after(() => server.stop());

  test('exposes a URL, keys and a known_hosts line', () => {
    assert.match(server.url('app'), new RegExp(`^ssh://[^@]+@127\\.0\\.0\\.1:${server.port}/.+/app\\.git$`));
    assert.match(server.clientPrivateKey, /BEGIN OPENSSH PRIVATE KEY/);
    assert.match(server.clientPublicKey, /^ssh-ed25519 AAAA/);
    assert.match(
      server.knownHosts,
      new RegExp(`^\\[127\\.0\\.0\\.1\\]:${server.port} ssh-ed25519 AAAA\\S+$`),
    );
  });

  test('clones and pushes with the client key and a strictly checked host key', async () => {
    const sha = await server.createRepo('app', { 'kustomization.yaml': 'resources: []\n' });
    const ssh = await server.sshCommand();
    const checkout = join(clientDir, 'ssh-clone');
    await git(['clone', '--quiet', server.url('app'), checkout], ssh);
    assert.equal((await git(['rev-parse', 'HEAD'], ssh, checkout)).trim(), sha);
    assert.equal(await readFile(join(checkout, 'kustomization.yaml'), 'utf8'), 'resources: []\n');

    await writeFile(join(checkout, 'kustomization.yaml'), 'resources: [a.yaml]\n');
    await git(['commit', '--quiet', '-am', 'update'], ssh, checkout);
    await git(['push', '--quiet'], ssh, checkout);
    assert.equal(
      await server.revParse('app', 'main'),
      (await git(['rev-parse', 'HEAD'], ssh, checkout)).trim(),
    );
    const tagged = await server.tag('app', 'v0.1.0', { annotated: true });
    assert.match(
      await git(['ls-remote', server.url('app')], ssh),
      new RegExp(`^${tagged}\\trefs/tags/v0\\.1\\.0\\^\\{\\}$`, 'm'),
    );
  });

  test('refuses a key it does not know', async () => {
    await server.createRepo('guarded', { 'a.txt': 'a' });
    await server.sshCommand();
    const stranger = await generateSshKey(clientDir, 'stranger');
    await assert.rejects(
      git(
        ['ls-remote', server.url('guarded')],
        sshCommandFor(stranger.privateKeyPath, server.knownHostsPath),
      ),
      /Permission denied/,
    );
  });

  test('refuses a server whose host key is not the known one', async () => {
    await server.createRepo('spoofed', { 'a.txt': 'a' });
    const other = await generateSshKey(clientDir, 'other-host');
    const knownHosts = join(clientDir, 'wrong_known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${server.port} ${other.publicKey}\n`);
    await assert.rejects(
      git(['ls-remote', server.url('spoofed')], sshCommandFor(server.clientPrivateKeyPath, knownHosts)),
      /Host key verification failed/,
    );
    const empty = join(clientDir, 'empty_known_hosts');
    await writeFile(empty, '');
    await assert.rejects(
      git(['ls-remote', server.url('spoofed')], sshCommandFor(server.clientPrivateKeyPath, empty)),
      /Host key verification failed/,
    );
  });

  test('lets the client key run git commands only', async () => {
    const [ssh = 'ssh', ...sshArgs] = (await server.sshCommand()).split(' ');
    const login = [...sshArgs, '-p', String(server.port), `${server.user}@127.0.0.1`, 'id'];
    // Logged in, but git-shell refuses anything that is not a git command.
    await assert.rejects(
      run(ssh, login, { env: isolatedGitEnv(join(clientDir, 'home')) }),
      /unrecognized command 'id'/,
    );
  });
});
