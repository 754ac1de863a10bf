/**
 * What outlives a stopped containerd and kubelet, and how a node removes it: the runc shims
 * (started in their own session, so no parent-death signal reaches them), the mounts of
 * containers, sandboxes and network namespaces under the node's directory, and its bridge
 * (which the node makes itself, see createBridge).
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { killUntilGone } from './kill.ts';

const run = promisify(execFile);

/** Pids of the shims serving the containerd listening on `socket`. */
export async function shimsOf(socket: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!argv[0]?.endsWith('containerd-shim-runc-v2')) continue;
    const address = argv[argv.indexOf('-address') + 1];
    if (address === socket) pids.push(Number(entry));
  }
  return pids;
}

export function killShims(socket: string): Promise<void> {
  return killUntilGone(`the shims of ${socket}`, () => shimsOf(socket));
}

/** Lazily unmounts everything mounted at or below `dir`, deepest first. */
export async function unmountBelow(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    // mountinfo escapes spaces and such as octal; our paths have none.
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await run('umount', ['-l', point]).catch(() => undefined);
}

/** A Linux bridge holding `address` (CIDR form), up. */
export async function createBridge(name: string, address: string): Promise<void> {
  await run('ip', ['link', 'add', name, 'type', 'bridge']);
  await run('ip', ['addr', 'add', address, 'dev', name]);
  await run('ip', ['link', 'set', name, 'up']);
}

export async function deleteLink(name: string): Promise<void> {
  await run('ip', ['link', 'delete', name]).catch(() => undefined);
}
