/**
 * Per controller: its ServiceAccount, a ClusterRole with what it does across namespaces and a
 * Role for its leader-election Lease in the installation's namespace. The cluster-admin binding
 * of kustomize-controller is a separate opt-in (see docs/install.md, "RBAC").
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

export function clusterRoleBinding(scope: Scope, component: Component): KubeObject {
  const name = clusterName(scope, component.name);
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: labels(scope, component.name) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [subject(scope, component)],
  };
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
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: scope.namespace, labels: labels(scope, component.name) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [subject(scope, component)],
  };
}

/** cluster-admin for kustomize-controller's own identity: Flux's `cluster-reconciler` binding. */
export function clusterReconcilerBinding(scope: Scope, component: Component): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: clusterName(scope, 'cluster-reconciler'), labels: labels(scope, component.name) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [subject(scope, component)],
  };
}
