/**
 * The events notification-controller routes: events.k8s.io/v1 Events whose `regarding` object
 * belongs to a `*.weft.dev` group, written by weft controllers through the runtime's
 * EventRecorder. `parseEvent` reads the fields routing needs from the raw object; everything
 * else stays out of the cache.
 */
import { Annotation, Domain } from '@weft/api';
import type { KubeObject } from '@weft/runtime/client';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

export type Severity = 'info' | 'error';

/** One weft event, as routing sees it. */
export interface WeftEvent {
  /** The Event object's own namespace and name (where delivery progress is recorded). */
  namespace: string;
  name: string;
  uid: string;
  involvedObject: InvolvedObject;
  /** Normal → info, Warning → error (Flux's severities). */
  severity: Severity;
  reason: string;
  message: string;
  /** `event.weft.dev/*` annotations but the token, keyed without the prefix (`revision`, `summary`). */
  metadata: Record<string, string>;
  reportingController: string;
  reportingInstance: string;
  /** Occurrences so far: `series.count`, or 1. */
  count: number;
  /** When it last occurred: `series.lastObservedTime`, else `eventTime`, else creation (ms). */
  lastObservedMs: number;
  /** All annotations of the Event (delivery progress lives there). */
  annotations: Record<string, string>;
}

const eventPrefix = `event.${Domain}/`;
const weftGroup = new RegExp(`(^|\\.)${Domain.replace('.', '\\.')}/`);

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function timeMs(...candidates: unknown[]): number {
  for (const candidate of candidates) {
    if (typeof candidate !== 'string' || candidate === '') continue;
    const ms = Date.parse(candidate);
    if (!Number.isNaN(ms)) return ms;
  }
  return 0;
}

/** Whether an apiVersion belongs to a weft group (`source.weft.dev/v1`, …). */
export function isWeftApiVersion(apiVersion: string): boolean {
  return weftGroup.test(apiVersion);
}

/** Reads a weft event from a raw Event object; undefined when it is not about a weft object. */
export function parseEvent(obj: KubeObject): WeftEvent | undefined {
  const regarding = record(obj.regarding);
  const apiVersion = text(regarding.apiVersion);
  if (!isWeftApiVersion(apiVersion)) return undefined;
  const namespace = obj.metadata.namespace ?? '';
  const annotations = obj.metadata.annotations ?? {};
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(eventPrefix) && key !== Annotation.EventToken)
      metadata[key.slice(eventPrefix.length)] = value;
  }
  const series = record(obj.series);
  const count = typeof series.count === 'number' && series.count > 0 ? series.count : 1;
  const involvedObject: InvolvedObject = {
    apiVersion,
    kind: text(regarding.kind),
    name: text(regarding.name),
    namespace: text(regarding.namespace) || namespace,
  };
  if (typeof regarding.uid === 'string') involvedObject.uid = regarding.uid;
  if (typeof regarding.resourceVersion === 'string')
    involvedObject.resourceVersion = regarding.resourceVersion;
  return {
    namespace,
    name: obj.metadata.name ?? '',
    uid: obj.metadata.uid ?? '',
    involvedObject,
    severity: obj.type === 'Warning' ? 'error' : 'info',
    reason: text(obj.reason),
    message: text(obj.note),
    metadata,
    reportingController: text(obj.reportingController),
    reportingInstance: text(obj.reportingInstance),
    count,
    lastObservedMs: timeMs(series.lastObservedTime, obj.eventTime, obj.metadata.creationTimestamp),
    annotations,
  };
}

/**
 * What the event cache keeps of an Event: weft events lose only managed fields and the
 * deprecated core fields; other events shrink to their identity, since routing ignores them.
 */
export function slimEvent(obj: KubeObject): KubeObject {
  const regarding = record(obj.regarding);
  const meta = obj.metadata;
  const metadata: KubeObject['metadata'] = {
    name: meta.name ?? '',
    namespace: meta.namespace ?? '',
  };
  if (meta.resourceVersion !== undefined) metadata.resourceVersion = meta.resourceVersion;
  if (!isWeftApiVersion(text(regarding.apiVersion))) {
    return { apiVersion: obj.apiVersion, kind: obj.kind, metadata };
  }
  if (meta.uid !== undefined) metadata.uid = meta.uid;
  if (meta.creationTimestamp !== undefined) metadata.creationTimestamp = meta.creationTimestamp;
  if (meta.annotations !== undefined) metadata.annotations = meta.annotations;
  const slim: KubeObject = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata,
    regarding: obj.regarding,
    type: obj.type,
    reason: obj.reason,
    note: obj.note,
    eventTime: obj.eventTime,
    reportingController: obj.reportingController,
    reportingInstance: obj.reportingInstance,
  };
  if (obj.series !== undefined) slim.series = obj.series;
  return slim;
}

/** The generic webhook payload (Flux's event JSON): what `generic` providers receive. */
export interface EventPayload {
  involvedObject: InvolvedObject;
  severity: Severity;
  timestamp: string;
  message: string;
  reason: string;
  metadata: Record<string, string>;
  reportingController: string;
  reportingInstance: string;
}
