/**
 * The Receiver HTTP server (`--receiver-addr`, default `:9292`): `POST /hook/<digest>` finds the
 * Receiver whose `status.webhookPath` is the path, re-reads its token, verifies the request
 * (receiver/verify.ts) and, when it is genuine and wanted, sets
 * `reconcile.weft.dev/requestedAt` to the current time on every object of `spec.resources`
 * (merge patch). A request that fails verification is answered 401, counted in
 * `weft_receiver_requests_total{result="unauthorized"}`, and never acted on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Annotation, kindDefinition } from '@weft/api';
import type { Client } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import type { Logger } from '@weft/runtime/log';
import { parseAddress } from '@weft/runtime/manager';
import type { Counter, Registry } from '@weft/runtime/metrics';
import type { ObjectStore, ReceiverObject } from '../objects.ts';
import type { SecretReader } from '../provider/config.ts';
import { receiverToken, verifyRequest, webhookPath } from './verify.ts';

export interface ReceiverServerOptions {
  /** `host:port` or `:port`. */
  addr: string;
  receivers: ObjectStore<ReceiverObject>;
  client: Pick<Client, 'patch' | 'list'>;
  readSecret: SecretReader;
  logger: Logger;
  registry: Registry;
  /** Largest body read (default 10 MiB; GitHub sends up to 25 MB, but pushes are far smaller). */
  maxBodyBytes?: number;
  now?: () => Date;
}

type Result = 'accepted' | 'ignored' | 'unauthorized' | 'not_found' | 'error';

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `body larger than ${limit} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function apiVersionOf(kind: string, given: string | undefined): string {
  if (given) return given;
  const definition = kindDefinition(kind);
  if (!definition) throw new HttpError(500, `unknown kind ${kind}`);
  return `${definition.group}/${definition.version}`;
}

export class ReceiverServer {
  readonly #options: ReceiverServerOptions;
  readonly #server: Server;
  readonly #requests: Counter<'type' | 'result'>;
  readonly #now: () => Date;

  constructor(options: ReceiverServerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#requests = options.registry.counter({
      name: 'weft_receiver_requests_total',
      help: 'Webhook requests by receiver type and result (accepted, ignored, unauthorized, not_found, error).',
      labelNames: ['type', 'result'],
    });
    this.#server = createServer((request, response) => {
      void this.#handle(request, response);
    });
  }

  get requests(): Counter<'type' | 'result'> {
    return this.#requests;
  }

  /** The address listened on (after start). */
  get address(): AddressInfo | undefined {
    const address = this.#server.address();
    return address && typeof address === 'object' ? address : undefined;
  }

  async start(): Promise<void> {
    const parsed = parseAddress(this.#options.addr);
    if (!parsed) return;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(parsed.port, parsed.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #reply(response: ServerResponse, status: number, text: string): void {
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(`${text}\n`);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://receiver').pathname;
    let type = 'unknown';
    const count = (result: Result): void => this.#requests.inc({ type, result });
    try {
      if (!path.startsWith('/hook/')) throw new HttpError(404, 'not found');
      if (request.method !== 'POST') throw new HttpError(405, 'use POST');
      const receiver = this.#options.receivers
        .list()
        .find((candidate) => candidate.status?.webhookPath === path && !candidate.metadata.deletionTimestamp);
      if (!receiver) {
        count('not_found');
        return this.#reply(response, 404, 'no receiver for this path');
      }
      type = receiver.spec.type;
      const name = receiver.metadata.name ?? '';
      const namespace = receiver.metadata.namespace ?? '';
      const log = this.#options.logger.child({ receiver: `${namespace}/${name}`, type });
      if (receiver.spec.suspend) {
        count('ignored');
        return this.#reply(response, 503, 'receiver is suspended');
      }
      const body = await readBody(request, this.#options.maxBodyBytes ?? 10 * 1024 * 1024);
      const token = await receiverToken(receiver, this.#options.readSecret);
      // A token rotated since the last reconcile: the old path no longer opens anything.
      if (webhookPath(token, name, namespace) !== path) {
        count('not_found');
        return this.#reply(response, 404, 'no receiver for this path');
      }
      const verdict = verifyRequest(type, token, request.headers, body, receiver.spec.events ?? []);
      if (verdict.action === 'reject') {
        count('unauthorized');
        log.warn({ reason: verdict.message }, 'webhook rejected');
        return this.#reply(response, verdict.status, verdict.message);
      }
      if (verdict.action === 'ignore') {
        count('ignored');
        log.info({ reason: verdict.message }, 'webhook ignored');
        return this.#reply(response, verdict.status, verdict.message);
      }
      const annotated = await this.#annotate(receiver);
      count('accepted');
      log.info({ event: verdict.event, resources: annotated }, 'webhook accepted; reconcile requested');
      return this.#reply(response, 200, `reconcile requested for ${annotated.length} object(s)`);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      count('error');
      this.#options.logger.error({ path, error: errorMessage(error) }, 'webhook failed');
      if (!response.headersSent)
        this.#reply(response, status, error instanceof Error ? error.message : 'error');
    }
  }

  /** Sets requestedAt on each object the Receiver names; returns `Kind/namespace/name` of each. */
  async #annotate(receiver: ReceiverObject): Promise<string[]> {
    const requestedAt = this.#now().toISOString();
    const patch = { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: requestedAt } } };
    const done: string[] = [];
    for (const resource of receiver.spec.resources) {
      const apiVersion = apiVersionOf(resource.kind, resource.apiVersion);
      const namespace = resource.namespace ?? receiver.metadata.namespace ?? '';
      let names: string[];
      if (resource.name === '*') {
        const selector = Object.entries(resource.matchLabels ?? {})
          .map(([key, value]) => `${key}=${value}`)
          .join(',');
        const list = await this.#options.client.list({
          apiVersion,
          kind: resource.kind,
          namespace,
          labelSelector: selector || undefined,
        });
        names = list.items.map((item) => item.metadata.name ?? '');
      } else {
        names = [resource.name];
      }
      for (const name of names) {
        await this.#options.client.patch({ apiVersion, kind: resource.kind, namespace, name }, patch);
        done.push(`${resource.kind}/${namespace}/${name}`);
      }
    }
    return done;
  }
}
