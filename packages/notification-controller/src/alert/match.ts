/**
 * Whether an Alert routes an event, as Flux decides it: the event's object matches one of
 * `eventSources` (kind, namespace defaulting to the Alert's, name with `*` wildcards, labels),
 * its severity is at least `eventSeverity`, its message matches one of `inclusionList` (when
 * given) and none of `exclusionList`.
 */
import type { Alert } from '@weft/api';
import { errorMessage } from '@weft/runtime/errors';
import type { InvolvedObject, WeftEvent } from '../event/event.ts';

/** Reads the labels of an event's object (through a cache); undefined when it is gone. */
export type LabelLookup = (obj: InvolvedObject) => Promise<Record<string, string> | undefined>;

/** An invalid Alert spec, named by field, for the Alert's Ready condition. */
export class AlertSpecError extends Error {
  override name = 'AlertSpecError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

export interface CompiledAlert {
  alert: Alert;
  uid: string;
  namespace: string;
  inclusion: RegExp[];
  exclusion: RegExp[];
  createdMs: number;
}

function compileList(field: string, patterns: readonly string[] | undefined): RegExp[] {
  return (patterns ?? []).map((pattern, index) => {
    try {
      return new RegExp(pattern);
    } catch (error) {
      throw new AlertSpecError(
        `spec.${field}[${index}]`,
        `"${pattern}" is not a valid regular expression: ${errorMessage(error)}`,
      );
    }
  });
}

/** Compiles an Alert's regular expressions; throws AlertSpecError naming the bad one. */
export function compileAlert(alert: Alert): CompiledAlert {
  return {
    alert,
    uid: alert.metadata.uid ?? '',
    namespace: alert.metadata.namespace ?? '',
    inclusion: compileList('inclusionList', alert.spec.inclusionList),
    exclusion: compileList('exclusionList', alert.spec.exclusionList),
    createdMs: Date.parse(alert.metadata.creationTimestamp ?? '') || 0,
  };
}

/** Glob match where `*` stands for any run of characters (and `*` alone for everything). */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`).test(value);
}

/** Whether the severity and message filters let the event through. */
export function passesFilters(compiled: CompiledAlert, event: WeftEvent): boolean {
  if (compiled.alert.spec.eventSeverity === 'error' && event.severity !== 'error') return false;
  if (compiled.inclusion.length > 0 && !compiled.inclusion.some((re) => re.test(event.message))) return false;
  return !compiled.exclusion.some((re) => re.test(event.message));
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Whether one of the Alert's event sources names the event's object. */
export async function matchesSource(
  compiled: CompiledAlert,
  obj: InvolvedObject,
  labelsOf: LabelLookup,
): Promise<boolean> {
  for (const source of compiled.alert.spec.eventSources) {
    if (source.kind !== obj.kind) continue;
    if ((source.namespace ?? compiled.namespace) !== obj.namespace && source.namespace !== '*') continue;
    if (source.apiVersion && groupOf(source.apiVersion) !== groupOf(obj.apiVersion)) continue;
    if (!wildcardMatch(source.name, obj.name)) continue;
    const wanted = Object.entries(source.matchLabels ?? {});
    if (wanted.length > 0) {
      const labels = await labelsOf(obj);
      if (!labels || !wanted.every(([key, value]) => labels[key] === value)) continue;
    }
    return true;
  }
  return false;
}

/** The metadata sent with an event: the event's own, then the Alert's where the event has none. */
export function payloadMetadata(compiled: CompiledAlert, event: WeftEvent): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(compiled.alert.spec.eventMetadata ?? {})) metadata[key] = value;
  if (compiled.alert.spec.summary && metadata.summary === undefined)
    metadata.summary = compiled.alert.spec.summary;
  for (const [key, value] of Object.entries(event.metadata)) metadata[key] = value;
  return metadata;
}
