export { KubeEventSink } from './kube-sink.ts';
export {
  type EventInput,
  type EventQueueOptions,
  EventRecorder,
  type EventRecorderOptions,
  type EventSubject,
  formatMicroTime,
} from './recorder.ts';
export type { EventObjectReference, EventSeries, EventSink, EventType, KubeEvent } from './types.ts';
