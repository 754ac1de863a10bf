import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Annotation, Label, SourceApiVersion } from '@weft/api';
import type { Client, KubeObject } from '@weft/runtime/client';
import { eventually } from './helpers.ts';

// Where the OCI, Bucket and HelmChart tests have always imported it from.
export { startController } from './helpers.ts';

export interface SourceCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export type SourceObject = KubeObject & {
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    lastHandledReconcileAt?: string;
    conditions?: SourceCondition[];
    artifact?: {
      url: string;
      revision: string;
      digest: string;
      size?: number;
      metadata?: Record<string, string>;
    };
    url?: string;
  };
};

export function conditionOf(obj: SourceObject | undefined, type: string): SourceCondition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** Writes a file map into a new temp directory. */
export async function filesDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-sc-files-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** Create, get and wait on objects of one source kind in one namespace and shard. */
export class SourceKind {
  readonly #client: Client;
  readonly #kind: string;
  readonly #namespace: string;
  readonly #shard: string;

  constructor(client: Client, kind: string, namespace: string, shard: string) {
    this.#client = client;
    this.#kind = kind;
    this.#namespace = namespace;
    this.#shard = shard;
  }

  #ref(name: string) {
    return { apiVersion: SourceApiVersion, kind: this.#kind, namespace: this.#namespace, name };
  }

  async create(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.#client.create({
      apiVersion: SourceApiVersion,
      kind: this.#kind,
      metadata: { name, namespace: this.#namespace, labels: { [Label.ShardKey]: this.#shard } },
      spec: { interval: '1h', ...spec },
    } as KubeObject);
  }

  get(name: string): Promise<SourceObject> {
    return this.#client.get<SourceObject>(this.#ref(name));
  }

  async patchSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.#client.patch(this.#ref(name), { spec });
  }

  /** Ready=True at the current generation (and `revision` when given). */
  waitReady(name: string, revision?: string): Promise<SourceObject> {
    return eventually(`${this.#kind} ${name} Ready${revision ? ` at ${revision}` : ''}`, async () => {
      const obj = await this.get(name);
      if (conditionOf(obj, 'Ready')?.status !== 'True') return undefined;
      if (obj.status?.observedGeneration !== obj.metadata.generation) return undefined;
      if (revision !== undefined && obj.status?.artifact?.revision !== revision) return undefined;
      return obj;
    });
  }

  /** Ready=False with `reason` at the current generation. */
  waitNotReady(name: string, reason: string): Promise<SourceObject> {
    return eventually(`${this.#kind} ${name} Ready=False ${reason}`, async () => {
      const obj = await this.get(name);
      const ready = conditionOf(obj, 'Ready');
      if (obj.status?.observedGeneration !== obj.metadata.generation) return undefined;
      return ready?.status === 'False' && ready.reason === reason ? obj : undefined;
    });
  }

  /** Asks for a reconcile and waits until it was handled. */
  async reconcileNow(name: string): Promise<SourceObject> {
    const value = `${new Date().toISOString()}-${Math.random().toString(16).slice(2, 6)}`;
    await this.#client.patch(this.#ref(name), {
      metadata: { annotations: { [Annotation.ReconcileRequestedAt]: value } },
    });
    return eventually(`${this.#kind} ${name} handled ${value}`, async () => {
      const obj = await this.get(name);
      return obj.status?.lastHandledReconcileAt === value ? obj : undefined;
    });
  }
}

export async function createSecret(
  client: Client,
  namespace: string,
  name: string,
  stringData: Record<string, string>,
  type = 'Opaque',
): Promise<void> {
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type,
    stringData,
  } as KubeObject);
}
