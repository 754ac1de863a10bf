/**
 * The HTTP endpoints a controller pod exposes: `/healthz` (liveness), `/readyz` (readiness)
 * and `/metrics` (Prometheus). As controller-runtime, metrics and probes may listen on
 * different addresses; when both addresses are equal one server serves all three.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../errors/index.ts';
import { Registry } from '../metrics/registry.ts';
import { parseAddress } from './flags.ts';

// getBuiltinModule, not an ESM import: see the note in @weft/runtime's client/transport.ts (undici).
const { createServer } = process.getBuiltinModule('node:http');

/** Resolves when healthy; rejects (or returns a reason string) when not. */
export type Check = () => string | undefined | Promise<string | undefined>;

export class Checks {
  readonly #checks = new Map<string, Check>();

  add(name: string, check: Check): void {
    this.#checks.set(name, check);
  }

  /** Runs every check; the failures, by name. */
  async run(): Promise<{ ok: boolean; lines: string[] }> {
    const lines: string[] = [];
    let ok = true;
    for (const [name, check] of this.#checks) {
      try {
        const reason = await check();
        if (typeof reason === 'string') {
          ok = false;
          lines.push(`[-]${name} failed: ${reason}`);
        } else {
          lines.push(`[+]${name} ok`);
        }
      } catch (error) {
        ok = false;
        lines.push(`[-]${name} failed: ${errorMessage(error)}`);
      }
    }
    return { ok, lines };
  }
}

export interface ProbesServerOptions {
  metricsAddr: string;
  healthAddr: string;
  registry: Registry;
  healthz: Checks;
  readyz: Checks;
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function checkRoute(checks: Checks): Route {
  return async (req, res) => {
    const { ok, lines } = await checks.run();
    const verbose = new URL(req.url ?? '/', 'http://x').searchParams.has('verbose');
    res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(verbose || !ok ? `${lines.join('\n')}\n${ok ? 'ok' : 'failed'}\n` : 'ok');
  };
}

export class ProbesServer {
  readonly #options: ProbesServerOptions;
  readonly #servers: Server[] = [];

  constructor(options: ProbesServerOptions) {
    this.#options = options;
  }

  /** The bound addresses, by role (useful with port 0). */
  readonly addresses: { metrics?: AddressInfo; health?: AddressInfo } = {};

  async start(): Promise<void> {
    const metrics = parseAddress(this.#options.metricsAddr);
    const health = parseAddress(this.#options.healthAddr);
    const metricsRoute: Route = async (_req, res) => {
      res.writeHead(200, { 'content-type': Registry.contentType });
      res.end(this.#options.registry.render());
    };
    const healthRoutes = {
      '/healthz': checkRoute(this.#options.healthz),
      '/livez': checkRoute(this.#options.healthz),
      '/readyz': checkRoute(this.#options.readyz),
    };
    const same =
      metrics && health && metrics.host === health.host && metrics.port === health.port && metrics.port !== 0;
    if (metrics) {
      const routes: Record<string, Route> = { '/metrics': metricsRoute, ...(same ? healthRoutes : {}) };
      this.addresses.metrics = await this.#listen(metrics, routes);
      if (same) this.addresses.health = this.addresses.metrics;
    }
    if (health && !same) this.addresses.health = await this.#listen(health, healthRoutes);
  }

  async #listen(
    addr: { host: string | undefined; port: number },
    routes: Record<string, Route>,
  ): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const route = req.method === 'GET' || req.method === 'HEAD' ? routes[path] : undefined;
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
        return;
      }
      route(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${errorMessage(error)}\n`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#servers.push(server);
    return server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }
}
