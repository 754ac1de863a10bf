/** Starting and stopping `node:http` servers on a free loopback port. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';

export const loopbackHost = '127.0.0.1';

/** Listens on 127.0.0.1 on a port the kernel picks, and returns that port (http, https or net server). */
export function listenOnLoopback(server: NetServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, loopbackHost, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('server has no TCP address'));
        return;
      }
      resolve(address.port);
    });
  });
}

/** Closes the server and every open connection, keep-alive ones included (http or https server). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/**
 * A `node:http` server on a free loopback port: listen, its port and base URL, close. The test
 * servers extend it and answer in `serve`.
 */
export abstract class LoopbackServer {
  readonly #server: Server;
  #port = 0;

  constructor() {
    this.#server = createServer((request, response) => this.serve(request, response));
  }

  /** Answers one request. */
  protected abstract serve(request: IncomingMessage, response: ServerResponse): void;

  async listen(): Promise<void> {
    this.#port = await listenOnLoopback(this.#server);
  }

  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:PORT` (no trailing slash). */
  get baseUrl(): string {
    return `http://${loopbackHost}:${this.#port}`;
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }
}
