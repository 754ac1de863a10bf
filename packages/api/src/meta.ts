/**
 * Conventions shared by every weft kind: condition types and reasons, annotations, labels,
 * finalizers and the common status shapes. Names and meanings follow Flux's `meta` package so
 * that Flux users recognise them; the groups are weft's.
 */
import type { Infer } from './schema/builder.ts';
import type {
  artifactSchema,
  commonStatusSchema,
  conditionSchema,
  localObjectReferenceSchema,
  namespacedObjectKindReferenceSchema,
  namespacedObjectReferenceSchema,
  secretKeyReferenceSchema,
} from './schema/common.ts';

export const Domain = 'weft.dev';

/** Condition types (kstatus `Ready`, `Reconciling`, `Stalled`, plus kind-specific ones). */
export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  Healthy: 'Healthy',
  ArtifactInStorage: 'ArtifactInStorage',
  SourceVerified: 'SourceVerified',
  FetchFailed: 'FetchFailed',
  IncludeUnavailable: 'IncludeUnavailable',
  StorageOperationFailed: 'StorageOperationFailed',
  Released: 'Released',
  TestSuccess: 'TestSuccess',
  Remediated: 'Remediated',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Condition reasons shared across kinds (CamelCase, as the API conventions ask). */
export const Reason = {
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Progressing: 'Progressing',
  ProgressingWithRetry: 'ProgressingWithRetry',
  Suspended: 'Suspended',
  DependencyNotReady: 'DependencyNotReady',
  ArtifactFailed: 'ArtifactFailed',
  BuildFailed: 'BuildFailed',
  HealthCheckFailed: 'HealthCheckFailed',
  ReconciliationSucceeded: 'ReconciliationSucceeded',
  ReconciliationFailed: 'ReconciliationFailed',
  PruneFailed: 'PruneFailed',
  InvalidURL: 'InvalidURL',
  AuthenticationFailed: 'AuthenticationFailed',
  GitOperationFailed: 'GitOperationFailed',
  StorageOperationFailed: 'StorageOperationFailed',
  NewRevision: 'NewRevision',
  ArtifactUpToDate: 'ArtifactUpToDate',
  AccessDenied: 'AccessDenied',
  InvalidSpec: 'InvalidSpec',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** Annotations a user or another controller sets on weft objects. */
export const Annotation = {
  /** Any new value asks for an immediate reconcile; echoed in status.lastHandledReconcileAt. */
  ReconcileRequestedAt: `reconcile.${Domain}/requestedAt`,
  /** Event annotation: the source revision the event is about. */
  EventRevision: `event.${Domain}/revision`,
  /** Event annotation: a token that groups events of one reconcile. */
  EventToken: `event.${Domain}/token`,
  /** Event annotation: the summary of what changed. */
  EventSummary: `event.${Domain}/summary`,
  KustomizePrune: `kustomize.${Domain}/prune`,
  KustomizeSSA: `kustomize.${Domain}/ssa`,
  KustomizeReconcile: `kustomize.${Domain}/reconcile`,
  KustomizeSubstitute: `kustomize.${Domain}/substitute`,
} as const;

/** Values of the per-object opt-out annotations. */
/** The value of `Label.ReconcileWatch` that turns the watch on. */
export const ReconcileWatchEnabled = 'Enabled';

export const AnnotationValue = {
  Disabled: 'disabled',
  SSAIfNotPresent: 'IfNotPresent',
  SSAIgnore: 'Ignore',
  SSAMerge: 'Merge',
} as const;

/** Labels weft sets or reads. */
export const Label = {
  /** Sharding: a controller with --watch-label-selector only sees objects it matches. */
  ShardKey: `sharding.${Domain}/key`,
  KustomizeName: `kustomize.${Domain}/name`,
  KustomizeNamespace: `kustomize.${Domain}/namespace`,
  HelmName: `helm.${Domain}/name`,
  HelmNamespace: `helm.${Domain}/namespace`,
  /**
   * `Enabled` on a ConfigMap or Secret: a change to it reconciles at once the objects that read
   * it (`postBuild.substituteFrom`, `valuesFrom`), as Flux's `reconcile.fluxcd.io/watch`.
   * Unlabelled ones are still read, on the next reconcile.
   */
  ReconcileWatch: `reconcile.${Domain}/watch`,
} as const;

/**
 * Finalizers of the controllers. All share one value, as Flux's controllers all use
 * `finalizers.fluxcd.io`: each controller finalizes only its own kinds, so the name need not say
 * which controller holds it. The keys stay per controller so a caller names whose finalizer it means.
 */
export const Finalizer = {
  Source: `finalizers.${Domain}`,
  Kustomize: `finalizers.${Domain}`,
  Helm: `finalizers.${Domain}`,
  Image: `finalizers.${Domain}`,
  Notification: `finalizers.${Domain}`,
} as const;

/** metav1.Condition. */
export type Condition = Infer<typeof conditionSchema>;

/** A reference to an object in the same namespace, as Flux's meta refs. */
export type LocalObjectReference = Infer<typeof localObjectReferenceSchema>;
/** A reference to an object of a kind, in the same (or the given) namespace. */
export type NamespacedObjectKindReference = Infer<typeof namespacedObjectKindReferenceSchema>;
/** A reference to an object by name, in the same (or the given) namespace. */
export type NamespacedObjectReference = Infer<typeof namespacedObjectReferenceSchema>;
export type SecretKeyReference = Infer<typeof secretKeyReferenceSchema>;

/**
 * The artifact a source publishes in status.artifact: `path` relative to the storage root
 * (<kind>/<namespace>/<name>/<digest-hex>.tar.gz), `url` from --storage-adv-addr, `revision`
 * (main@sha1:<commit>, v1.2.3@sha1:<commit>, <chart-version>, latest@sha256:<digest>) and
 * `digest` (sha256:<hex> of the tarball bytes).
 */
export type Artifact = Infer<typeof artifactSchema>;

/** Fields every weft status carries. */
export type CommonStatus = Infer<typeof commonStatusSchema>;

/** The metadata weft reads and writes (a subset of metav1.ObjectMeta). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}
