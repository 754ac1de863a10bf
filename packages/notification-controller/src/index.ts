export {
  type CompiledAlert,
  compileAlert,
  matchesSource,
  passesFilters,
  wildcardMatch,
} from './alert/match.ts';
export { RateLimiter } from './alert/rate-limit.ts';
export {
  addNotificationController,
  controllerName,
  type NotificationController,
  type NotificationControllerOptions,
} from './controller.ts';
export { Dispatcher, type DispatcherOptions } from './dispatcher.ts';
export { type EventPayload, parseEvent, slimEvent, type WeftEvent } from './event/event.ts';
export { formatProgress, type Progress, parseProgress, progressKey } from './event/progress.ts';
export { type NotificationFlags, parseNotificationFlags } from './flags.ts';
export {
  type ProviderConfig,
  ProviderConfigError,
  resolveProviderConfig,
  safeAddress,
} from './provider/config.ts';
export { DeliveryError, HttpSender } from './provider/http.ts';
export {
  buildRequest,
  commitOf,
  hmacSignature,
  type OutgoingRequest,
  slackPayload,
  supportedProviderTypes,
} from './provider/payloads.ts';
export { ReceiverServer } from './receiver/server.ts';
export { supportedReceiverTypes, validHmac, verifyRequest, webhookPath } from './receiver/verify.ts';
export { DeliveryFailedCondition } from './reconcilers/provider.ts';
