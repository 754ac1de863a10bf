/**
 * A real node's slot: a small number claimed on this machine for as long as the node runs. The
 * host-wide names a node needs (its bridge, pod subnet, cgroup root, kubelet ports) all derive
 * from it, so two nodes running at once never share one. Ports sit below Linux's ephemeral range
 * (32768+) and each slot owns a block of its own, so one node's healthz port can never be another
 * node's kubelet port, whatever order they start in.
 *
 * A claim is a directory made with mkdir (atomic) holding the owner's pid; a claim whose owner
 * died is taken over.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const maxSlots = 64;
const portBase = 21_000;
const portsPerSlot = 8;

export interface NodeSlot {
  index: number;
  /** Linux bridge name (≤15 bytes). */
  bridge: string;
  /** The pod subnet, e.g. 10.88.3.0/24; the bridge holds its .1. */
  podSubnet: string;
  gateway: string;
  /** The cgroup (in every v1 hierarchy) that holds this node's pods. */
  cgroupRoot: string;
  ports: { kubelet: number; kubeletHealthz: number; proxyHealthz: number; proxyMetrics: number };
  /** The directory of the node that held the slot before and died without cleaning up. */
  previousDir: string | undefined;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims one slot: false when it is taken, else the directory of a dead previous owner, if any. */
async function tryClaim(
  claim: string,
  dir: string,
  previousDir?: string,
): Promise<false | { previousDir?: string }> {
  try {
    await mkdir(claim);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(await readFile(join(claim, 'pid'), 'utf8').catch(() => 'NaN'));
    // No pid yet: another claimer is between mkdir and writeFile; leave it alone.
    if (Number.isNaN(owner) || alive(owner)) return false;
    const stale = await readFile(join(claim, 'dir'), 'utf8').catch(() => undefined);
    await rm(claim, { recursive: true, force: true });
    return tryClaim(claim, dir, stale);
  }
  await writeFile(join(claim, 'dir'), dir);
  await writeFile(join(claim, 'pid'), String(process.pid));
  return previousDir === undefined ? {} : { previousDir };
}

/** Claims the lowest free slot under `registryDir` (shared by every cluster of this machine) for the node in `dir`. */
export async function claimSlot(registryDir: string, dir: string): Promise<NodeSlot> {
  await mkdir(registryDir, { recursive: true });
  for (let index = 0; index < maxSlots; index++) {
    const claim = join(registryDir, String(index));
    const claimed = await tryClaim(claim, dir);
    if (!claimed) continue;
    const base = portBase + index * portsPerSlot;
    return {
      index,
      bridge: `weft-br${index}`,
      podSubnet: `10.88.${index}.0/24`,
      gateway: `10.88.${index}.1`,
      cgroupRoot: `/weft-e2e-node-${index}`,
      ports: { kubelet: base, kubeletHealthz: base + 1, proxyHealthz: base + 2, proxyMetrics: base + 3 },
      previousDir: claimed.previousDir,
      release: () => rm(claim, { recursive: true, force: true }),
    };
  }
  throw new Error(`all ${maxSlots} real-node slots of this machine are taken (${registryDir})`);
}
