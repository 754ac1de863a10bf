/** The events.k8s.io/v1 Event shape weft writes, as plain JSON. */

export type EventType = 'Normal' | 'Warning';

export interface EventObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EventSeries {
  count: number;
  /** MicroTime: RFC 3339 with microseconds. */
  lastObservedTime: string;
}

export interface KubeEvent {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  metadata: {
    name?: string;
    generateName?: string;
    namespace: string;
    annotations?: Record<string, string>;
  };
  eventTime: string;
  series?: EventSeries;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  note: string;
  type: EventType;
  regarding: EventObjectReference;
}

/**
 * The two calls the recorder makes. `patch` is a JSON merge patch; both reject with the client's
 * `NotFoundError` when the Event is gone (the API server expires Events after an hour).
 */
export interface EventSink {
  create(namespace: string, event: KubeEvent): Promise<{ name: string }>;
  patch(namespace: string, name: string, patch: { series: EventSeries }): Promise<void>;
}
