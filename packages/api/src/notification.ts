/**
 * notification.weft.dev/v1: Provider and Alert route Kubernetes events to chat and webhooks
 * (Flux's notification.toolkit.fluxcd.io v1beta3); Receiver accepts webhooks that trigger
 * reconciles (Flux's v1).
 */
import type { KindDefinition, WeftObject } from './kind.ts';
import { arr, describe, duration, type Infer, map, obj, str, time } from './schema/builder.ts';
import { commonStatusFields, localObjectReferenceSchema, suspendSchema } from './schema/common.ts';

export const NotificationGroup = 'notification.weft.dev';
export const NotificationVersion = 'v1';
export const NotificationApiVersion = `${NotificationGroup}/${NotificationVersion}` as const;
const categories = ['weft', 'weft-notification'] as const;

/** The kinds an Alert or Receiver may refer to. */
export const eventSourceKinds = [
  'Bucket',
  'GitRepository',
  'Kustomization',
  'HelmRelease',
  'HelmChart',
  'HelmRepository',
  'ImageRepository',
  'ImagePolicy',
  'ImageUpdateAutomation',
  'OCIRepository',
] as const;

export const crossNamespaceObjectReferenceSchema = obj(
  {
    apiVersion: str({ description: 'API version of the referent.' }),
    kind: str({ description: 'Kind of the referent.', enum: eventSourceKinds }),
    name: str({
      description: 'Name of the referent; * matches every object of the kind.',
      minLength: 1,
      maxLength: 253,
    }),
    namespace: str({
      description: 'Namespace of the referent; the referring object namespace when unset.',
      minLength: 1,
      maxLength: 253,
    }),
    matchLabels: map(str(), { description: 'Labels the objects must carry; only with name *.' }),
  },
  { required: ['kind', 'name'] },
);

// ---------------------------------------------------------------------------------------------
// Provider

export const providerTypes = [
  'slack',
  'discord',
  'msteams',
  'rocket',
  'generic',
  'generic-hmac',
  'github',
  'gitlab',
  'gitea',
  'bitbucketserver',
  'bitbucket',
  'azuredevops',
  'googlechat',
  'googlepubsub',
  'webex',
  'sentry',
  'azureeventhub',
  'telegram',
  'lark',
  'matrix',
  'opsgenie',
  'alertmanager',
  'grafana',
  'githubdispatch',
  'pagerduty',
  'datadog',
  'nats',
  'zulip',
] as const;

export const providerSpecSchema = obj(
  {
    type: str({ description: 'The kind of service events are sent to.', enum: providerTypes }),
    interval: duration({ description: 'Deprecated and ignored; kept for Flux compatibility.' }),
    channel: str({
      description: 'Channel, room or topic to post to, for the types that have one.',
      maxLength: 2048,
    }),
    username: str({ description: 'Name to post as, for the types that allow it.', maxLength: 2048 }),
    address: str({
      description: 'Webhook or API address of the service; can come from secretRef instead.',
      maxLength: 2048,
    }),
    timeout: duration({ description: 'Timeout of a request to the service.', hours: false }),
    proxy: str({ description: 'HTTP(S) proxy to use.', pattern: '^(http|https)://.*$' }),
    secretRef: describe(
      localObjectReferenceSchema,
      'Secret with the address, token, username, password or headers.',
    ),
    certSecretRef: describe(localObjectReferenceSchema, 'Secret with TLS material for the service.'),
    serviceAccountName: str({
      description: 'ServiceAccount whose identity authenticates to cloud providers.',
    }),
    commitStatusExpr: str({
      description: 'CEL expression that builds the commit status id (git providers).',
    }),
    suspend: suspendSchema,
  },
  {
    required: ['type'],
    validations: [
      {
        rule: "self.type == 'github' || self.type == 'gitlab' || self.type == 'gitea' || self.type == 'bitbucketserver' || self.type == 'bitbucket' || self.type == 'azuredevops' || !has(self.commitStatusExpr)",
        message: 'spec.commitStatusExpr is only supported for the git providers',
      },
    ],
  },
);

export const providerStatusSchema = obj({ ...commonStatusFields });

export type ProviderSpec = Infer<typeof providerSpecSchema>;
export type ProviderStatus = Infer<typeof providerStatusSchema>;
export type Provider = WeftObject<typeof NotificationApiVersion, 'Provider', ProviderSpec, ProviderStatus>;

export const ProviderKind = 'Provider';
export const ProviderPlural = 'providers';
export const providerDefinition: KindDefinition<ProviderSpec, ProviderStatus> = {
  group: NotificationGroup,
  version: NotificationVersion,
  kind: ProviderKind,
  plural: ProviderPlural,
  singular: 'provider',
  shortNames: [],
  categories,
  description: 'A service events are sent to: a chat, a webhook, or a Git host commit status.',
  spec: providerSpecSchema,
  status: providerStatusSchema,
  printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.spec.type' }],
};

// ---------------------------------------------------------------------------------------------
// Alert

export const alertSpecSchema = obj(
  {
    providerRef: describe(localObjectReferenceSchema, 'The Provider events are sent to.'),
    eventSeverity: str({
      description: 'Lowest severity sent: info sends everything, error only errors.',
      enum: ['info', 'error'],
      default: 'info',
    }),
    eventSources: arr(crossNamespaceObjectReferenceSchema, { description: 'Objects whose events are sent.' }),
    eventMetadata: map(str(), { description: 'Metadata added to every event sent.' }),
    inclusionList: arr(str(), {
      description: 'Regular expressions; only events whose message matches one are sent.',
    }),
    exclusionList: arr(str(), {
      description: 'Regular expressions; events whose message matches one are dropped.',
    }),
    summary: str({ description: 'Deprecated: use eventMetadata.summary.', maxLength: 255 }),
    suspend: suspendSchema,
  },
  { required: ['providerRef', 'eventSources'] },
);

export const alertStatusSchema = obj({
  ...commonStatusFields,
  lastSentTime: time({ description: 'When an event last went out through this Alert to its Provider.' }),
});

export type AlertSpec = Infer<typeof alertSpecSchema>;
export type AlertStatus = Infer<typeof alertStatusSchema>;
export type Alert = WeftObject<typeof NotificationApiVersion, 'Alert', AlertSpec, AlertStatus>;

export const AlertKind = 'Alert';
export const AlertPlural = 'alerts';
export const alertDefinition: KindDefinition<AlertSpec, AlertStatus> = {
  group: NotificationGroup,
  version: NotificationVersion,
  kind: AlertKind,
  plural: AlertPlural,
  singular: 'alert',
  shortNames: [],
  categories,
  description: 'Routes the events of chosen objects, filtered by severity and message, to a Provider.',
  spec: alertSpecSchema,
  status: alertStatusSchema,
  printerColumns: [],
};

// ---------------------------------------------------------------------------------------------
// Receiver

export const receiverTypes = [
  'generic',
  'generic-hmac',
  'github',
  'gitlab',
  'bitbucket',
  'harbor',
  'dockerhub',
  'quay',
  'gcr',
  'nexus',
  'acr',
  'cdevents',
] as const;

export const receiverSpecSchema = obj(
  {
    type: str({
      description: 'The sender of the webhook, which decides how payloads are verified.',
      enum: receiverTypes,
    }),
    interval: duration({ description: 'How often the receiver is reconciled.', default: '10m' }),
    events: arr(str(), { description: 'Event types that trigger a reconcile, e.g. push; all when empty.' }),
    resources: arr(crossNamespaceObjectReferenceSchema, {
      description: 'Objects annotated with reconcile.weft.dev/requestedAt when a webhook is accepted.',
    }),
    resourceFilter: str({
      description: 'CEL expression over the request and each resource; false skips the resource.',
    }),
    secretRef: describe(
      localObjectReferenceSchema,
      'Secret whose token key makes the webhook path and verifies payloads.',
    ),
    suspend: suspendSchema,
  },
  { required: ['type', 'resources', 'secretRef'] },
);

export const receiverStatusSchema = obj({
  ...commonStatusFields,
  webhookPath: str({ description: 'Path of the webhook: /hook/sha256(<token><name><namespace>).' }),
});

export type ReceiverSpec = Infer<typeof receiverSpecSchema>;
export type ReceiverStatus = Infer<typeof receiverStatusSchema>;
export type Receiver = WeftObject<typeof NotificationApiVersion, 'Receiver', ReceiverSpec, ReceiverStatus>;

export const ReceiverKind = 'Receiver';
export const ReceiverPlural = 'receivers';
export const receiverDefinition: KindDefinition<ReceiverSpec, ReceiverStatus> = {
  group: NotificationGroup,
  version: NotificationVersion,
  kind: ReceiverKind,
  plural: ReceiverPlural,
  singular: 'receiver',
  shortNames: [],
  categories,
  description: 'An incoming webhook that asks for an immediate reconcile of the given objects.',
  spec: receiverSpecSchema,
  status: receiverStatusSchema,
  printerColumns: [],
};
