/**
 * What the reflector tests share: CRDs, the controller run in-process on a shard, images pushed
 * with many tags through @weft/oci, a paging front for the registry, and object helpers.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Annotation, crds, ImageApiVersion, Label } from '@weft/api';
import { eventually, installCrds as installCrdsWith } from '@weft/e2e';
import type { RegistryClient } from '@weft/oci';
import type { Client, KubeObject } from '@weft/runtime/client';

export type KubeConfig = NonNullable<ConstructorParameters<typeof Client>[0]>;

import { createLogger } from '@weft/runtime/log';
import { Manager } from '@weft/runtime/manager';
import {
  addImageAutomationController,
  type ImageAutomationController,
  parseImageAutomationFlags,
} from '../src/index.ts';

export { eventually };

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export type ImageObject = KubeObject & {
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    lastHandledReconcileAt?: string;
    conditions?: Condition[];
    canonicalImageName?: string;
    lastScanResult?: { revision?: string; tagCount: number; scanTime?: string; latestTags?: string[] };
    observedExclusionList?: string[];
    latestRef?: { name: string; tag: string; digest?: string };
    observedPreviousRef?: { name: string; tag: string; digest?: string };
  };
};

export function conditionOf(obj: ImageObject | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

export async function installCrds(client: Client): Promise<void> {
  await installCrdsWith(client, crds());
  await eventually('image CRDs served', () =>
    client.list({ apiVersion: ImageApiVersion, kind: 'ImagePolicy', limit: 1 }).catch(() => undefined),
  );
}

export interface RunningReflector {
  manager: Manager;
  controller: ImageAutomationController;
  logs: string[];
  stop(): Promise<void>;
}

/** The controller in this process on `shard`, its tag store in `storagePath`. */
export async function startReflector(
  kubeConfig: KubeConfig,
  storagePath: string,
  shard: string,
  extraArgs: string[] = [],
): Promise<RunningReflector> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const flags = parseImageAutomationFlags(
    [
      `--storage-path=${storagePath}`,
      '--metrics-addr=0',
      '--health-addr=0',
      '--graceful-shutdown-timeout=5s',
      `--watch-label-selector=${Label.ShardKey}=${shard}`,
      ...extraArgs,
    ],
    {},
  );
  const manager = new Manager({
    name: 'image-automation-controller',
    flags: flags.runtime,
    kubeConfig,
    logger: createLogger({
      level: 'debug',
      destination,
      base: { controller: 'image-automation-controller' },
    }),
  });
  const controller = addImageAutomationController(manager, flags);
  await manager.start();
  return {
    manager,
    controller,
    logs,
    stop: async () => {
      await manager.stop();
    },
  };
}

/**
 * Pushes one small image per tag (each its own manifest, so each tag has its own digest) and
 * returns the digests by tag. One config blob is shared.
 */
export async function pushTags(
  registry: RegistryClient,
  repository: string,
  tags: readonly string[],
  concurrency = 8,
): Promise<Map<string, string>> {
  const config = await registry.pushBlob(repository, Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
  const digests = new Map<string, string>();
  const queue = [...tags];
  const worker = async () => {
    for (let tag = queue.shift(); tag !== undefined; tag = queue.shift()) {
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config,
        layers: [],
        annotations: { 'dev.weft.test/tag': tag },
      };
      digests.set(
        tag,
        await registry.pushManifest(
          repository,
          tag,
          Buffer.from(JSON.stringify(manifest)),
          manifest.mediaType,
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return digests;
}

/**
 * A front for a registry that pages tag lists as Docker Hub and GHCR do (`n`, `last`, and a
 * `Link: <…>; rel="next"` header), since Debian's distribution 2.8 returns one page whatever `n`
 * asks. Everything else, auth challenges included, passes through untouched; tag list requests
 * are counted by repository.
 */
export class PagingRegistryFront {
  readonly #server: Server;
  readonly #upstream: URL;
  readonly #pageSize: number;
  /** `GET /v2/<repo>/tags/list` requests served, per repository. */
  readonly tagListRequests = new Map<string, number>();

  private constructor(upstream: string, pageSize: number) {
    this.#upstream = new URL(upstream);
    this.#pageSize = pageSize;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(upstream: string, pageSize: number): Promise<PagingRegistryFront> {
    const front = new PagingRegistryFront(upstream, pageSize);
    await new Promise<void>((resolve) => front.#server.listen(0, '127.0.0.1', resolve));
    return front;
  }

  get host(): string {
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  tagLists(repository: string): number {
    return this.tagListRequests.get(repository) ?? 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://front');
    const tagList = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    const headers = { ...req.headers, host: this.#upstream.host };
    if (!tagList?.[1] || req.method !== 'GET') {
      const upstream = httpRequest(
        new URL(req.url ?? '/', this.#upstream),
        { method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    const repository = tagList[1];
    this.tagListRequests.set(repository, this.tagLists(repository) + 1);
    const answer = await fetch(new URL(`/v2/${repository}/tags/list`, this.#upstream), {
      headers: req.headers.authorization ? { Authorization: req.headers.authorization } : {},
    });
    const body = await answer.text();
    if (answer.status !== 200) {
      const passed: Record<string, string> = {};
      answer.headers.forEach((value, key) => {
        if (key !== 'content-length' && key !== 'transfer-encoding') passed[key] = value;
      });
      res.writeHead(answer.status, passed).end(body);
      return;
    }
    const all = ((JSON.parse(body) as { tags?: string[] }).tags ?? []).sort();
    const n = Number(url.searchParams.get('n') ?? this.#pageSize) || this.#pageSize;
    const last = url.searchParams.get('last');
    const rest = last === null ? all : all.filter((tag) => tag > last);
    const page = rest.slice(0, Math.min(n, this.#pageSize));
    const responseHeaders: Record<string, string> = { 'Content-Type': 'application/json' };
    const lastOfPage = page.at(-1);
    if (rest.length > page.length && lastOfPage !== undefined)
      responseHeaders.Link = `</v2/${repository}/tags/list?n=${n}&last=${encodeURIComponent(lastOfPage)}>; rel="next"`;
    res.writeHead(200, responseHeaders).end(JSON.stringify({ name: repository, tags: page }));
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Create, read and wait on ImageRepositories and ImagePolicies of one namespace and shard. */
export class ImageKinds {
  readonly #client: Client;
  readonly namespace: string;
  readonly #shard: string;

  constructor(client: Client, namespace: string, shard: string) {
    this.#client = client;
    this.namespace = namespace;
    this.#shard = shard;
  }

  #ref(kind: string, name: string, namespace = this.namespace) {
    return { apiVersion: ImageApiVersion, kind, namespace, name };
  }

  async create(
    kind: 'ImageRepository' | 'ImagePolicy',
    name: string,
    spec: Record<string, unknown>,
    namespace = this.namespace,
  ) {
    await this.#client.create({
      apiVersion: ImageApiVersion,
      kind,
      metadata: { name, namespace, labels: { [Label.ShardKey]: this.#shard } },
      spec,
    } as KubeObject);
  }

  get(kind: string, name: string, namespace = this.namespace): Promise<ImageObject> {
    return this.#client.get<ImageObject>(this.#ref(kind, name, namespace));
  }

  async patchSpec(kind: string, name: string, spec: Record<string, unknown>): Promise<void> {
    await this.#client.patch(this.#ref(kind, name), { spec });
  }

  /** The object once `check` accepts it at its current generation. */
  waitFor(
    kind: string,
    name: string,
    what: string,
    check: (obj: ImageObject) => boolean,
    namespace = this.namespace,
  ): Promise<ImageObject> {
    return eventually(`${kind} ${namespace}/${name} ${what}`, async () => {
      const obj = await this.get(kind, name, namespace);
      if (obj.status?.observedGeneration !== obj.metadata.generation) return undefined;
      return check(obj) ? obj : undefined;
    });
  }

  waitReady(
    kind: string,
    name: string,
    check: (obj: ImageObject) => boolean = () => true,
    namespace = this.namespace,
  ) {
    return this.waitFor(
      kind,
      name,
      'Ready',
      (obj) => conditionOf(obj, 'Ready')?.status === 'True' && check(obj),
      namespace,
    );
  }

  waitNotReady(kind: string, name: string, reason: string, namespace = this.namespace) {
    return this.waitFor(
      kind,
      name,
      `Ready=False ${reason}`,
      (obj) => conditionOf(obj, 'Ready')?.status === 'False' && conditionOf(obj, 'Ready')?.reason === reason,
      namespace,
    );
  }

  /** Asks for a reconcile and waits until it was handled. */
  async reconcileNow(kind: string, name: string): Promise<ImageObject> {
    const value = `${new Date().toISOString()}-${Math.random().toString(16).slice(2, 6)}`;
    await this.#client.patch(this.#ref(kind, name), {
      metadata: { annotations: { [Annotation.ReconcileRequestedAt]: value } },
    });
    return eventually(`${kind} ${name} handled ${value}`, async () => {
      const obj = await this.get(kind, name);
      return obj.status?.lastHandledReconcileAt === value ? obj : undefined;
    });
  }

  /** The notes of the Events about `name`, oldest first. */
  async eventNotes(name: string): Promise<string[]> {
    const events = await this.#client.list<KubeObject & { note?: string; regarding?: { name?: string } }>({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      namespace: this.namespace,
    });
    return events.items.filter((event) => event.regarding?.name === name).map((event) => event.note ?? '');
  }
}
