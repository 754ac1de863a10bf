/**
 * The `kubernetes` Service for pods on the real node's bridge, as in a real cluster: the
 * control plane listens on loopback only, so a relay on the bridge address (reachable from the
 * node's pods and the host, nothing else) forwards to it, and an EndpointSlice makes that relay
 * the Service's endpoint; kube-proxy does the rest. A pod then finds the apiserver at
 * KUBERNETES_SERVICE_HOST (10.96.0.1) like anywhere else, and its certificate matches
 * (the serving certificate names 10.96.0.1 and kubernetes.default.svc).
 */
import { createConnection, createServer, type Server } from 'node:net';
import { type ApiConnection, apiRequest } from '../http.ts';
import type { NodeSlot } from './slot.ts';

function relay(
  bind: { host: string; port: number },
  target: { host: string; port: number },
): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection(target);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve(server));
  });
}

export async function exposeApiserverToPods(options: {
  admin: ApiConnection;
  slot: NodeSlot;
}): Promise<{ close(): Promise<void> }> {
  const { slot } = options;
  const apiserver = new URL(options.admin.server);
  const server = await relay(
    { host: slot.gateway, port: slot.ports.apiserverRelay },
    { host: apiserver.hostname, port: Number(apiserver.port) },
  );
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'kubernetes' },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [slot.gateway], conditions: { ready: true } }],
    ports: [{ name: 'https', port: slot.ports.apiserverRelay, protocol: 'TCP' }],
  };
  const res = await apiRequest(
    options.admin,
    'POST',
    '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
    slice,
  );
  if (res.status !== 201) {
    server.close();
    throw new Error(`creating the kubernetes EndpointSlice: ${res.status} ${res.body}`);
  }
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
