/**
 * Custom health rules in CEL (Flux's `healthCheckExprs`): for objects of one apiVersion and kind,
 * `inProgress`, `failed` and `current` are evaluated in that order against the object (its
 * top-level fields, `status`, `spec`, `metadata`…, are the variables); the first that holds gives
 * the status, none gives InProgress. An expression that errors (a field missing) counts as false.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { KubeObject } from '../client/types.ts';
import { type HealthResult, HealthStatus } from './status.ts';

export interface HealthCheckExpression {
  apiVersion: string;
  kind: string;
  current: string;
  inProgress?: string;
  failed?: string;
}

/** An expression that does not parse: names the kind and the field. */
export class HealthExpressionError extends Error {
  override name = 'HealthExpressionError';
}

type Program = (context: Record<string, unknown>) => unknown;

interface CompiledRule {
  steps: { status: HealthStatus; field: string; program: Program }[];
}

/** Replaces the built-in status rules for some kinds; undefined means "use the built-in rules". */
export type CustomHealth = (obj: KubeObject) => HealthResult | undefined;

/** Compiles the expressions once (throws HealthExpressionError on a bad one). */
export function compileHealthExpressions(expressions: readonly HealthCheckExpression[]): CustomHealth {
  const environment = new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: true,
  });
  const rules = new Map<string, CompiledRule>();
  for (const [index, expression] of expressions.entries()) {
    const steps: CompiledRule['steps'] = [];
    const fields = [
      ['inProgress', HealthStatus.InProgress],
      ['failed', HealthStatus.Failed],
      ['current', HealthStatus.Current],
    ] as const;
    for (const [field, status] of fields) {
      const source = expression[field];
      if (source === undefined || source === '') continue;
      try {
        steps.push({ status, field, program: environment.parse(source) as Program });
      } catch (error) {
        throw new HealthExpressionError(
          `healthCheckExprs[${index}] (${expression.kind}) ${field}: ${(error as Error).message.split('\n')[0]}`,
        );
      }
    }
    rules.set(`${expression.apiVersion}/${expression.kind}`, { steps });
  }
  return (obj) => {
    const rule = rules.get(`${obj.apiVersion}/${obj.kind}`);
    if (rule === undefined) return undefined;
    const context = toCel(obj) as Record<string, unknown>;
    for (const step of rule.steps) {
      let holds: unknown;
      try {
        holds = step.program(context);
      } catch {
        holds = false;
      }
      if (holds === true) return { status: step.status, message: `healthCheckExprs ${step.field} is true` };
    }
    return { status: HealthStatus.InProgress, message: 'no healthCheckExprs expression is true yet' };
  };
}

/** JSON integers become CEL ints (bigint), so `status.replicas == 3` compares like with like. */
function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toCel(item)]));
  }
  return value;
}
