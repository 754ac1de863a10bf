/**
 * NetworkPolicies as Flux ships them: the installation's pods talk to each other and to anything
 * outside; from other namespaces only metrics scraping, the artifact server and the webhook
 * receiver are reachable.
 */
import { metricsPort } from '../components.ts';
import type { Scope } from '../template/scope.ts';
import { type KubeObject, labels, partOf } from './meta.ts';

function policy(scope: Scope, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: scope.namespace, labels: labels(scope) },
    spec,
  };
}

const weftPods = { matchLabels: partOf };
const anyNamespace = [{ namespaceSelector: {} }];

/** Ingress only from the installation's own pods; egress anywhere (Git hosts, registries, chat). */
export function allowEgress(scope: Scope): KubeObject {
  return policy(scope, 'weft-allow-egress', {
    podSelector: weftPods,
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [{}],
  });
}

/** Prometheus in any namespace may scrape the metrics port; the kubelet probes need no rule. */
export function allowScraping(scope: Scope): KubeObject {
  return policy(scope, 'weft-allow-scraping', {
    podSelector: weftPods,
    policyTypes: ['Ingress'],
    // Named ports: the numbers are values (`<controller>.ports`), the names are fixed.
    ingress: [{ from: anyNamespace, ports: [{ port: metricsPort.name, protocol: 'TCP' }] }],
  });
}

/**
 * One controller's serving port: from every namespace (the artifact server), or from anywhere at
 * all (the webhook receiver, which Git hosts and registries call from outside the cluster).
 */
export function allowPort(
  scope: Scope,
  name: string,
  target: { app: string; port: string; fromOutside: boolean },
): KubeObject {
  const from = target.fromOutside ? [...anyNamespace, { ipBlock: { cidr: '0.0.0.0/0' } }] : anyNamespace;
  return policy(scope, name, {
    podSelector: { matchLabels: { app: target.app } },
    policyTypes: ['Ingress'],
    ingress: [{ from, ports: [{ port: target.port, protocol: 'TCP' }] }],
  });
}
