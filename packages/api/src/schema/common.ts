/**
 * Schemas shared by several kinds: conditions, artifacts, references, the common status fields.
 * The types in meta.ts are inferred from these.
 */
import { arr, bool, describe, duration, int, map, obj, str, time } from './builder.ts';

/** metav1.Condition, with the validation the Kubernetes API gives it. */
export const conditionSchema = obj(
  {
    type: str({
      description: 'Type of condition in CamelCase, e.g. Ready.',
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      maxLength: 316,
    }),
    status: str({ description: 'Status of the condition.', enum: ['True', 'False', 'Unknown'] }),
    observedGeneration: int({
      description: 'The .metadata.generation the condition was set from.',
      minimum: 0,
    }),
    lastTransitionTime: time({ description: 'When the condition last changed from one status to another.' }),
    reason: str({
      description: 'A programmatic identifier of the reason for the last transition, in CamelCase.',
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      minLength: 1,
      maxLength: 1024,
    }),
    message: str({ description: 'A human readable message about the transition.', maxLength: 32768 }),
  },
  { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

export const conditionsSchema = arr(conditionSchema, {
  description: 'The latest observations of the object, e.g. Ready, Reconciling, Stalled.',
  listType: 'map',
  listMapKeys: ['type'],
});

/** The artifact a source publishes in status.artifact. */
export const artifactSchema = obj(
  {
    path: str({
      description: 'Path relative to the storage root: <kind>/<namespace>/<name>/<digest-hex>.tar.gz.',
    }),
    url: str({ description: 'HTTP address where consumers download the artifact.' }),
    revision: str({
      description:
        'Where the artifact came from, e.g. main@sha1:<commit>, a chart version, latest@sha256:<digest>.',
    }),
    digest: str({
      description: 'Digest of the tarball bytes, sha256:<hex>.',
      pattern: '^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$',
    }),
    lastUpdateTime: time({ description: 'When the artifact was last updated.' }),
    size: int({ description: 'Size of the tarball in bytes.' }),
    metadata: map(str(), { description: 'Metadata of the source, e.g. OCI annotations.' }),
  },
  {
    description: 'The artifact produced by the last successful reconcile.',
    required: ['path', 'url', 'revision', 'digest', 'lastUpdateTime'],
  },
);

export const localObjectReferenceSchema = obj(
  { name: str({ description: 'Name of the referent.' }) },
  { required: ['name'] },
);

/** `spec.decryption` (SOPS with keys from a Secret) of the kinds that decrypt; `description` says what. */
export function sopsDecryptionSchema(description: string) {
  return obj(
    {
      provider: str({ description: 'The decryption tool.', enum: ['sops'] }),
      secretRef: describe(
        localObjectReferenceSchema,
        'Secret with the decryption keys: age identities in *.agekey entries, armored OpenPGP private keys in *.asc entries.',
      ),
    },
    { description, required: ['provider'] },
  );
}

/** A reference to an object of a given kind, optionally in another namespace. */
export const namespacedObjectKindReferenceSchema = obj(
  {
    apiVersion: str({ description: 'API version of the referent.' }),
    kind: str({ description: 'Kind of the referent.' }),
    name: str({ description: 'Name of the referent.' }),
    namespace: str({
      description: 'Namespace of the referent; defaults to the namespace of the referring object.',
    }),
  },
  { required: ['kind', 'name'] },
);

/** A reference to an object by name, optionally in another namespace (e.g. dependsOn). */
export const namespacedObjectReferenceSchema = obj(
  {
    name: str({ description: 'Name of the referent.' }),
    namespace: str({
      description: 'Namespace of the referent; defaults to the namespace of the referring object.',
    }),
  },
  { required: ['name'] },
);

export const secretKeyReferenceSchema = obj(
  {
    name: str({ description: 'Name of the Secret.' }),
    key: str({ description: 'Key in the Secret; when omitted, a kind-specific default key is used.' }),
  },
  { required: ['name'] },
);

/** Access to an object from other namespaces (Flux's acl.AccessFrom). */
export const accessFromSchema = obj(
  {
    namespaceSelectors: arr(
      obj({
        matchLabels: map(str(), { description: 'Labels a namespace must carry to be selected.' }),
      }),
      {
        description: 'Namespaces allowed to refer to this object; an empty selector matches every namespace.',
      },
    ),
  },
  {
    description: 'Namespaces allowed to use this object from another namespace.',
    required: ['namespaceSelectors'],
  },
);

/** metav1.LabelSelector. */
export const labelSelectorSchema = obj(
  {
    matchLabels: map(str(), { description: 'Labels the object must carry.' }),
    matchExpressions: arr(
      obj(
        {
          key: str({ description: 'Label key.' }),
          operator: str({
            description: 'In, NotIn, Exists or DoesNotExist.',
            enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
          }),
          values: arr(str(), { description: 'Values for In and NotIn.' }),
        },
        { required: ['key', 'operator'] },
      ),
      { description: 'Label selector requirements, ANDed.' },
    ),
  },
  { description: 'A label query over a set of objects.' },
);

export const observedGenerationSchema = int({
  description: 'The last generation the controller reconciled.',
});
export const lastHandledReconcileAtSchema = str({
  description: 'The last value of the reconcile.weft.dev/requestedAt annotation the controller handled.',
});

/** The fields every status carries. Kinds spread these into their own status. */
export const commonStatusFields = {
  observedGeneration: observedGenerationSchema,
  conditions: conditionsSchema,
  lastHandledReconcileAt: lastHandledReconcileAtSchema,
};
export const commonStatusSchema = obj(commonStatusFields);

/** spec.interval: required on most kinds, Flux's duration pattern. */
export const intervalSchema = duration({ description: 'How often the object is reconciled, e.g. 5m.' });
export const suspendSchema = bool({
  description:
    'Tells the controller to suspend reconciliation of this object; it does not apply to deletion.',
});
