import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a component the harness starts next.
 *
 * Not the kernel's pick (port 0): that comes from the ephemeral range, the same range every
 * outgoing connection of the machine draws its local port from, so under the e2e suites' load a
 * client socket could take the port between this probe and the component's bind ("bind: address
 * already in use" from a kube-controller-manager, seen in CI). A random port below that range (and
 * below Kubernetes' NodePort range) is never handed to an outgoing connection; it is probed with a listen, and this process never hands
 * out the same port twice (two clusters started at once get different ports). The small window
 * before the component binds remains, against other processes picking the same random port.
 */
export async function freePort(): Promise<number> {
  const high = Math.min(ephemeralRangeStart(), nodePortRangeStart) - 1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = lowestPort + Math.floor(Math.random() * (high - lowestPort + 1));
    if (handedOut.has(port)) continue;
    if ((await probe(port)) === port) {
      handedOut.add(port);
      return port;
    }
  }
  // Nothing free below the ephemeral range after 100 tries: let the kernel pick one.
  for (;;) {
    const port = await probe(0);
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

const lowestPort = 10_000;
/**
 * Kubernetes' default NodePort range starts here: kube-proxy on a real node rewrites connections to
 * a local address at a Service's node port, so no component of ours listens in that range.
 */
const nodePortRangeStart = 30_000;
const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (`ip_local_port_range`), 32768 if unreadable. */
function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > lowestPort + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Listens on `port` (0: any) on 127.0.0.1 and closes again: the port it got, or undefined if taken. */
function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined);
      else reject(error);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe socket'));
      });
    });
  });
}
