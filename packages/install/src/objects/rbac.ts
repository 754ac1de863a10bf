/**
 * Per controller: its ServiceAccount, a ClusterRole with what it does across namespaces and a
 * Role for its leader-election Lease in the installation's namespace. The cluster-admin binding
 * of kustomize- and helm-controller is a separate opt-in (see docs/install.md, "RBAC").
 */
import { type Component, leaderElectionRules } from '../components.ts';
import type { Scope } from '../template/scope.ts';
import { clusterName, type KubeObject, labels } from './meta.ts';

function subject(scope: Scope, component: Component) {
  return { kind: 'ServiceAccount', name: component.name, namespace: scope.namespace };
}

export function serviceAccount(scope: Scope, component: Component): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: component.name, namespace: scope.namespace, labels: labels(scope, component.name) },
  };
}

export function clusterRole(scope: Scope, component: Component): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: clusterName(scope, component.name), labels: labels(scope, component.name) },
    rules: component.rules,
  };
}

/** A binding of `roleRef` to the controller's ServiceAccount; namespaced when `namespace` is given. */
function binding(
  scope: Scope,
  component: Component,
  roleRef: { kind: 'ClusterRole' | 'Role'; name: string },
  name: string,
  namespaced: boolean,
): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: namespaced ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: {
      name,
      ...(namespaced ? { namespace: scope.namespace } : {}),
      labels: labels(scope, component.name),
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects: [subject(scope, component)],
  };
}

export function clusterRoleBinding(scope: Scope, component: Component): KubeObject {
  const name = clusterName(scope, component.name);
  return binding(scope, component, { kind: 'ClusterRole', name }, name, false);
}

export function leaderElectionRole(scope: Scope, component: Component): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: {
      name: `${component.name}-leader-election`,
      namespace: scope.namespace,
      labels: labels(scope, component.name),
    },
    rules: leaderElectionRules,
  };
}

export function leaderElectionRoleBinding(scope: Scope, component: Component): KubeObject {
  const name = `${component.name}-leader-election`;
  return binding(scope, component, { kind: 'Role', name }, name, true);
}

/**
 * cluster-admin for the own identity of a controller that applies workloads (kustomize- and
 * helm-controller): Flux's `cluster-reconciler` binding, one per controller here so that each
 * goes with its controller.
 */
export function clusterReconcilerBinding(scope: Scope, component: Component): KubeObject {
  const base = component.name === 'kustomize-controller' ? '' : `${component.name.split('-')[0]}-`;
  const name = clusterName(scope, `${base}cluster-reconciler`);
  return binding(scope, component, { kind: 'ClusterRole', name: 'cluster-admin' }, name, false);
}
