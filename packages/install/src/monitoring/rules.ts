/**
 * Prometheus alerts over the runtime's `weft_reconcile_condition` gauge (1 for an object's
 * current status of a condition, 0 for the others): an object not Ready for too long, an object
 * Stalled (it will not recover without a change), and a controller whose reconciles keep failing.
 */

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

const object = '{{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.name }}';

export const alertRules: RuleGroup[] = [
  {
    name: 'weft',
    rules: [
      {
        alert: 'WeftReconciliationFailure',
        expr: 'max by (namespace, name, kind) (weft_reconcile_condition{type="Ready", status="False"}) == 1',
        for: '10m',
        labels: { severity: 'warning' },
        annotations: {
          summary: `${object} has not been Ready for 10 minutes.`,
          description: `kubectl describe shows why: the Ready condition of ${object} says what is wrong.`,
        },
      },
      {
        alert: 'WeftObjectStalled',
        expr: 'max by (namespace, name, kind) (weft_reconcile_condition{type="Stalled", status="True"}) == 1',
        for: '5m',
        labels: { severity: 'warning' },
        annotations: {
          summary: `${object} is Stalled: it will not recover until its spec or its inputs change.`,
          description: `The Stalled condition of ${object} names the field or input to fix.`,
        },
      },
      {
        alert: 'WeftReconcileErrors',
        expr: 'sum by (namespace, pod, kind) (rate(weft_reconcile_total{result="error"}[5m])) > 0 and sum by (namespace, pod, kind) (rate(weft_reconcile_total{result="success"}[5m])) == 0',
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Every {{ $labels.kind }} reconcile of {{ $labels.pod }} has failed for 15 minutes.',
          description: 'The controller logs of {{ $labels.namespace }}/{{ $labels.pod }} say why.',
        },
      },
    ],
  },
];
