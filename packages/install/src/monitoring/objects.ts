/** The monitoring objects: a PodMonitor, the PrometheusRule and the dashboard's ConfigMap. */
import { metricsPort } from '../components.ts';
import { type KubeObject, labels, partOf } from '../objects/meta.ts';
import type { Scope } from '../template/scope.ts';
import { grafanaDashboard } from './dashboard.ts';
import { alertRules } from './rules.ts';

export function podMonitor(scope: Scope): KubeObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: 'weft', namespace: scope.namespace, labels: labels(scope) },
    spec: {
      namespaceSelector: { matchNames: [scope.namespace] },
      selector: { matchLabels: partOf },
      podMetricsEndpoints: [{ port: metricsPort.name }],
    },
  };
}

export function prometheusRule(scope: Scope): KubeObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'weft', namespace: scope.namespace, labels: labels(scope) },
    spec: { groups: alertRules },
  };
}

export function dashboardConfigMap(scope: Scope): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'weft-grafana-dashboard',
      namespace: scope.namespace,
      labels: { ...labels(scope), grafana_dashboard: '1' },
    },
    data: { 'weft.json': `${JSON.stringify(grafanaDashboard(), null, 2)}\n` },
  };
}
