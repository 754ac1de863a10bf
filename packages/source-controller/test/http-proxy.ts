/**
 * A real HTTP proxy for the proxySecretRef tests: Debian's tinyproxy (package tinyproxy-bin),
 * on a free loopback port, with Basic credentials, logging each connection so tests can tell
 * the traffic went through it. `$WEFT_TINYPROXY` names another binary.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, ManagedProcess } from '@weft/e2e';

export const tinyproxyPath = process.env.WEFT_TINYPROXY ?? '/usr/bin/tinyproxy';
export const haveTinyproxy = existsSync(tinyproxyPath);

export interface HttpProxyServer {
  /** `http://127.0.0.1:<port>` */
  address: string;
  /** The proxy log so far (CONNECT and request lines among them). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function startHttpProxy(auth: { username: string; password: string }): Promise<HttpProxyServer> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-tinyproxy-'));
  const port = await freePort();
  const logFile = join(dir, 'tinyproxy.log');
  await writeFile(
    join(dir, 'tinyproxy.conf'),
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 60',
      'Allow 127.0.0.1',
      `BasicAuth ${auth.username} ${auth.password}`,
      `LogFile "${logFile}"`,
      'LogLevel Info',
      'MaxClients 50',
      'DisableViaHeader Yes',
      '',
    ].join('\n'),
  );
  const proc = new ManagedProcess({
    name: 'tinyproxy',
    command: tinyproxyPath,
    args: ['-d', '-c', join(dir, 'tinyproxy.conf')],
    logFile: join(dir, 'stdout.log'),
  });
  proc.start();
  const address = `http://127.0.0.1:${port}`;
  await eventually('tinyproxy listening', () => canConnect(port));
  return {
    address,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}
