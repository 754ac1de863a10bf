/**
 * A real node's slot: a small number claimed on this machine for as long as the node runs. The
 * host-wide names a node needs (its bridge, pod subnet, cgroup root, kubelet ports) all derive
 * from it, so two nodes running at once never share one. Ports sit below Linux's ephemeral range
 * (32768+) and each slot owns a block of its own, so one node's healthz port can never be another
 * node's kubelet port, whatever order they start in.
 *
 * A claim is a directory made with mkdir (atomic) holding the owner's pid and directory; the
 * slot of an owner that died is cleaned up by the next node that starts.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../../servers/process.ts';

export const maxSlots = 64;
const portBase = 21_000;
const portsPerSlot = 8;

/** The host-wide names of one slot. */
export interface SlotNames {
  index: number;
  /** Linux bridge name (≤15 bytes). */
  bridge: string;
  /** The pod subnet, e.g. 10.88.3.0/24; the bridge holds its .1. */
  podSubnet: string;
  gateway: string;
  /** The cgroup (in every v1 hierarchy) that holds this node's pods. */
  cgroupRoot: string;
  ports: {
    kubelet: number;
    kubeletHealthz: number;
    proxyHealthz: number;
    proxyMetrics: number;
    /** On the bridge address: forwards to the apiserver, the kubernetes Service's endpoint. */
    apiserverRelay: number;
  };
}

export interface NodeSlot extends SlotNames {
  release(): Promise<void>;
}

/** Removes what a dead node left in its slot; `dir` is that node's directory, if known. */
export type StaleSlotCleanup = (slot: SlotNames, dir: string | undefined) => Promise<void>;

export function slotNames(index: number): SlotNames {
  const base = portBase + index * portsPerSlot;
  return {
    index,
    bridge: `weft-br${index}`,
    podSubnet: `10.88.${index}.0/24`,
    gateway: `10.88.${index}.1`,
    cgroupRoot: `/weft-e2e-node-${index}`,
    ports: {
      kubelet: base,
      kubeletHealthz: base + 1,
      proxyHealthz: base + 2,
      proxyMetrics: base + 3,
      apiserverRelay: base + 4,
    },
  };
}

const ownerOf = async (claim: string) =>
  Number(await readFile(join(claim, 'pid'), 'utf8').catch(() => 'NaN'));

/**
 * Frees every slot whose owner died (a supervisor that was SIGKILLed leaves its containers and
 * shims running): the claim is renamed away first (atomic, so one sweeper wins), then cleaned.
 */
async function sweepStaleSlots(registryDir: string, cleanUp: StaleSlotCleanup): Promise<void> {
  for (const entry of await readdir(registryDir)) {
    if (!/^\d+$/.test(entry)) continue;
    const claim = join(registryDir, entry);
    const owner = await ownerOf(claim);
    // No pid yet: a claimer is between mkdir and writeFile; leave it alone.
    if (Number.isNaN(owner) || processAlive(owner)) continue;
    const tombstone = `${claim}.stale-${process.pid}`;
    try {
      await rename(claim, tombstone);
    } catch {
      continue; // another sweeper took it
    }
    if (processAlive(await ownerOf(tombstone))) {
      // Renamed a claim made between our read and the rename: give it back.
      await rename(tombstone, claim).catch(() => undefined);
      continue;
    }
    const dir = await readFile(join(tombstone, 'dir'), 'utf8').catch(() => undefined);
    await cleanUp(slotNames(Number(entry)), dir);
    await rm(tombstone, { recursive: true, force: true });
  }
}

/**
 * Claims the lowest free slot under `registryDir` (shared by every cluster of this machine) for
 * the node in `dir`, after cleaning up the slots of dead nodes.
 */
export async function claimSlot(
  registryDir: string,
  dir: string,
  cleanUp: StaleSlotCleanup,
): Promise<NodeSlot> {
  await mkdir(registryDir, { recursive: true });
  await sweepStaleSlots(registryDir, cleanUp);
  for (let index = 0; index < maxSlots; index++) {
    const claim = join(registryDir, String(index));
    try {
      await mkdir(claim);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await writeFile(join(claim, 'dir'), dir);
    await writeFile(join(claim, 'pid'), String(process.pid));
    return { ...slotNames(index), release: () => rm(claim, { recursive: true, force: true }) };
  }
  throw new Error(`all ${maxSlots} real-node slots of this machine are taken (${registryDir})`);
}
