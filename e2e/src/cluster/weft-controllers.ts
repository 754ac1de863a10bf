/**
 * The controllers charts/weft can install: the top-level values that have `enabled` and an
 * `image`. The chart is generated from @weft/install, which takes the list from @weft/api's
 * `controllerNames`; the harness reads it off the chart instead of importing @weft/api, since
 * every package (@weft/api too) depends on the harness for its tests and turbo refuses a cycle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../toolchain.ts';

/** A controller's name as the chart's values key it (`source-controller`, …). */
export type WeftController = string;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function chartControllers(valuesYaml: string): WeftController[] {
  const values: unknown = parse(valuesYaml);
  if (!isRecord(values)) throw new Error('charts/weft/values.yaml is not a mapping');
  return Object.entries(values)
    .filter(([, value]) => isRecord(value) && typeof value.enabled === 'boolean' && isRecord(value.image))
    .map(([name]) => name);
}

/** The controllers the chart can install (its `<controller>.enabled` values), in the chart's order. */
export const weftControllers: readonly WeftController[] = chartControllers(
  readFileSync(join(repoRoot, 'charts', 'weft', 'values.yaml'), 'utf8'),
);

/** Throws on a name the chart has no controller of: a typo would otherwise install nothing. */
export function checkWeftControllers(names: readonly string[]): void {
  const unknown = names.filter((name) => !weftControllers.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `charts/weft has no controller ${unknown.join(', ')} (it has ${weftControllers.join(', ')})`,
    );
  }
}
