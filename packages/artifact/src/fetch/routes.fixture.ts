import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

/** A local HTTP server whose paths the tests define, and a scratch directory. */
export interface RouteServer {
  /** path → what it serves; unknown paths get 404. */
  readonly routes: Map<string, (response: ServerResponse) => void>;
  /** Set once the file's `before` hook ran. */
  readonly baseUrl: string;
  readonly scratch: string;
}

/** Call at the top level of a test file: started before its tests, removed after them. */
export function useRouteServer(prefix: string): RouteServer {
  const routes = new Map<string, (response: ServerResponse) => void>();
  const server = createServer((request, response) => {
    const route = routes.get(request.url ?? '');
    if (route) route(response);
    else response.writeHead(404).end();
  });
  const state = { routes, baseUrl: '', scratch: '' };
  before(async () => {
    state.scratch = await mkdtemp(join(tmpdir(), prefix));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(state.scratch, { recursive: true, force: true });
  });
  return state;
}
