/**
 * The one definition of an installation: every object, the template file it lives in, and the
 * values that switch it on. `render.ts` evaluates it with values (plain manifests, `weft
 * install`); `chart/` turns the same pieces into the chart's templates.
 */
import { kindDefinitions } from '@weft/api';
import { type Component, componentNames, components } from './components.ts';
import { dashboardConfigMap, podMonitor, prometheusRule } from './monitoring/objects.ts';
import { crdObject, crdsOfGroup } from './objects/crds.ts';
import { type KubeObject, labels } from './objects/meta.ts';
import { allowEgress, allowPort, allowScraping } from './objects/network-policy.ts';
import {
  clusterReconcilerBinding,
  clusterRole,
  clusterRoleBinding,
  leaderElectionRole,
  leaderElectionRoleBinding,
  serviceAccount,
} from './objects/rbac.ts';
import { deployment, podDisruptionBudget, service } from './objects/workload.ts';
import type { Condition, Scope } from './template/scope.ts';

export interface Piece {
  /** The chart template it goes into, below `templates/`. */
  file: string;
  /** All must hold for the object to be rendered. */
  when: Condition[];
  /** Only in the plain manifests (the chart leaves the namespace to `helm --create-namespace`). */
  plainOnly?: boolean;
  build(scope: Scope): KubeObject;
}

const enabled = (name: string): Condition => ({ path: `${name}.enabled` });

/**
 * The Pod Security Standard the Namespace enforces. Every weft pod meets `restricted`, unless the
 * values put it in the node's network namespace: `baseline` forbids host namespaces too, so
 * `hostNetwork: true` needs `privileged`, or admission refuses every pod.
 */
type PodSecurityLevel = 'restricted' | 'privileged';

function namespaceObject(level: PodSecurityLevel) {
  return (scope: Scope): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: scope.namespace,
      labels: { ...labels(scope), 'pod-security.kubernetes.io/enforce': level },
    },
  });
}

function crdPieces(): Piece[] {
  const groups = [...new Set(kindDefinitions.map((definition) => definition.group))];
  return groups.flatMap((group) => {
    const users = componentNames.filter((name) => components[name].crdGroups.includes(group));
    if (users.length === 0) return [];
    const when: Condition[] = [{ anyOf: users.map((name) => `${name}.enabled`) }];
    return crdsOfGroup(group).map((crd) => ({
      file: `crds/${crd.metadata.name}.yaml`,
      when,
      build: () => crdObject(crd),
    }));
  });
}

function controllerPieces(component: Component): Piece[] {
  const name = component.name;
  const file = (kind: string) => `${name}/${kind}.yaml`;
  const when = [enabled(name)];
  const pieces: Piece[] = [
    { file: file('rbac'), when, build: (s) => serviceAccount(s, component) },
    { file: file('rbac'), when, build: (s) => clusterRole(s, component) },
    { file: file('rbac'), when, build: (s) => clusterRoleBinding(s, component) },
    { file: file('rbac'), when, build: (s) => leaderElectionRole(s, component) },
    { file: file('rbac'), when, build: (s) => leaderElectionRoleBinding(s, component) },
    { file: file('deployment'), when, build: (s) => deployment(s, component) },
    {
      file: file('pdb'),
      when: [...when, { path: `${name}.replicas`, greaterThan: 1 }],
      build: (s) => podDisruptionBudget(s, component),
    },
  ];
  const servicePort = component.service?.port;
  if (servicePort) {
    pieces.push({ file: file('service'), when, build: (s) => service(s, component, servicePort) });
    if (component.ports.some((candidate) => candidate.name === servicePort)) {
      pieces.push({
        file: 'network-policies.yaml',
        when: [...when, { path: 'networkPolicy.enabled' }],
        build: (s) =>
          allowPort(s, `weft-allow-${servicePort === 'http' ? 'artifacts' : 'webhooks'}`, {
            app: name,
            port: servicePort,
            fromOutside: name === 'notification-controller',
          }),
      });
    }
  }
  // The controllers that apply workloads: impersonation by default, cluster-admin on request.
  if (name === 'kustomize-controller' || name === 'helm-controller') {
    pieces.push({
      file: file('rbac'),
      when: [...when, { path: 'clusterReconciler.enabled' }],
      build: (s) => clusterReconcilerBinding(s, component),
    });
  }
  return pieces;
}

/** Every piece of an installation, in apply order (namespace and CRDs first). */
export function pieces(): Piece[] {
  const networkPolicy: Condition[] = [{ path: 'networkPolicy.enabled' }];
  return [
    // One Namespace or the other, by hostNetwork (the definition never branches on a value).
    {
      file: 'namespace.yaml',
      when: [{ not: 'hostNetwork' }],
      plainOnly: true,
      build: namespaceObject('restricted'),
    },
    {
      file: 'namespace.yaml',
      when: [{ path: 'hostNetwork' }],
      plainOnly: true,
      build: namespaceObject('privileged'),
    },
    ...crdPieces(),
    { file: 'network-policies.yaml', when: networkPolicy, build: allowEgress },
    { file: 'network-policies.yaml', when: networkPolicy, build: allowScraping },
    ...componentNames.flatMap((name) => controllerPieces(components[name])),
    {
      file: 'monitoring/podmonitor.yaml',
      when: [{ path: 'monitoring.podMonitor.enabled' }],
      build: podMonitor,
    },
    {
      file: 'monitoring/prometheusrule.yaml',
      when: [{ path: 'monitoring.prometheusRule.enabled' }],
      build: prometheusRule,
    },
    {
      file: 'monitoring/dashboard.yaml',
      when: [{ path: 'monitoring.dashboard.enabled' }],
      build: dashboardConfigMap,
    },
  ];
}
