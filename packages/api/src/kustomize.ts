/**
 * kustomize.weft.dev/v1: Kustomization, which builds a kustomize overlay from a source artifact
 * and applies it with server-side apply. Follows Flux's kustomize.toolkit.fluxcd.io/v1.
 */
import { type KindDefinition, revisionColumn, type WeftObject } from './kind.ts';
import { arr, bool, describe, duration, type Infer, map, obj, str } from './schema/builder.ts';
import {
  commonStatusFields,
  intervalSchema,
  namespacedObjectKindReferenceSchema,
  secretKeyReferenceSchema,
  sopsDecryptionSchema,
  suspendSchema,
} from './schema/common.ts';

export const KustomizeGroup = 'kustomize.weft.dev';
export const KustomizeVersion = 'v1';
export const KustomizeApiVersion = `${KustomizeGroup}/${KustomizeVersion}` as const;

/** Selects the objects a patch applies to, as kustomize's patch target. */
export const patchTargetSchema = obj(
  {
    group: str({ description: 'API group of the objects.' }),
    version: str({ description: 'API version of the objects.' }),
    kind: str({ description: 'Kind of the objects.' }),
    name: str({ description: 'Name (a regular expression) of the objects.' }),
    namespace: str({ description: 'Namespace of the objects.' }),
    annotationSelector: str({ description: 'Annotation selector the objects must match.' }),
    labelSelector: str({ description: 'Label selector the objects must match.' }),
  },
  { description: 'The objects the patch applies to; without a target, the patch names its object.' },
);

/** A strategic merge or JSON 6902 patch, as in kustomization.yaml. */
export const patchSchema = obj(
  {
    patch: str({ description: 'The patch, a strategic merge patch or a JSON 6902 patch, as YAML or JSON.' }),
    target: patchTargetSchema,
  },
  { required: ['patch'] },
);

/** An image override, as the images field of kustomization.yaml. */
export const imageSchema = obj(
  {
    name: str({ description: 'Image name to match in the manifests, without tag.' }),
    newName: str({ description: 'Replacement image name.' }),
    newTag: str({ description: 'Replacement tag.' }),
    digest: str({ description: 'Replacement digest; takes precedence over newTag.' }),
  },
  { required: ['name'] },
);

export const kubeConfigReferenceSchema = obj(
  {
    secretRef: describe(
      secretKeyReferenceSchema,
      'Secret with a kubeconfig, under key value or value.yaml unless a key is given.',
    ),
  },
  {
    description: 'Apply to a remote cluster through this kubeconfig instead of the local one.',
    required: ['secretRef'],
  },
);

export const commonMetadataSchema = obj(
  {
    annotations: map(str(), { description: 'Annotations added to every object.' }),
    labels: map(str(), { description: 'Labels added to every object.' }),
  },
  { description: 'Labels and annotations added to every object applied.' },
);

export const kustomizationSpecSchema = obj(
  {
    commonMetadata: commonMetadataSchema,
    dependsOn: arr(
      obj(
        {
          apiVersion: str({
            description: "API version of the dependency; its kind's weft version when unset.",
          }),
          kind: str({
            description: 'Kind of the dependency: Kustomization (default) or HelmRelease.',
            enum: ['Kustomization', 'HelmRelease'],
          }),
          name: str({ description: 'Name of the dependency.' }),
          namespace: str({
            description: 'Namespace of the dependency; the Kustomization namespace when unset.',
          }),
        },
        { required: ['name'] },
      ),
      {
        description:
          'Kustomizations (or HelmReleases, with kind) that must be Ready at their current generation before this one is applied.',
      },
    ),
    decryption: sopsDecryptionSchema(
      'Decrypt SOPS-encrypted files (resources, secretGenerator files and envs) and substituteFrom Secret values in memory before building.',
    ),
    interval: intervalSchema,
    retryInterval: duration({
      description: 'Interval between retries after a failure; spec.interval when unset.',
    }),
    kubeConfig: kubeConfigReferenceSchema,
    path: str({
      description:
        'Path to the directory with the kustomization.yaml (or plain manifests), relative to the source root.',
    }),
    postBuild: obj(
      {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the description shows the substitution syntax.
        substitute: map(str(), { description: 'Variables substituted as ${var} in the built manifests.' }),
        substituteFrom: arr(
          obj(
            {
              kind: str({ description: 'Kind of the object.', enum: ['Secret', 'ConfigMap'] }),
              name: str({
                description: 'Name of the object, in the Kustomization namespace.',
                maxLength: 253,
                minLength: 1,
              }),
              optional: bool({ description: 'Carry on when the object is missing.', default: false }),
            },
            { required: ['kind', 'name'] },
          ),
          {
            description:
              'ConfigMaps and Secrets whose data are substitution variables; later ones win, substitute wins over all.',
          },
        ),
      },
      { description: 'Variable substitution on the built manifests.' },
    ),
    prune: bool({
      description: 'Delete the objects that were applied before and are no longer in the source.',
    }),
    healthChecks: arr(namespacedObjectKindReferenceSchema, {
      description: 'Objects whose health is checked after applying; requires spec.wait to be false.',
    }),
    healthCheckExprs: arr(
      obj(
        {
          apiVersion: str({ description: 'API version of the custom resource.' }),
          kind: str({ description: 'Kind of the custom resource.' }),
          current: str({ description: 'CEL expression true when the object is healthy.' }),
          inProgress: str({ description: 'CEL expression true when the object is still progressing.' }),
          failed: str({ description: 'CEL expression true when the object has failed.' }),
        },
        { required: ['apiVersion', 'kind', 'current'] },
      ),
      { description: 'CEL expressions that tell the health of custom resources.' },
    ),
    driftIgnoreRules: arr(
      obj(
        {
          paths: arr(str(), {
            description: 'JSON pointers (RFC 6901) of the fields to leave alone, e.g. /spec/replicas.',
            minItems: 1,
          }),
          target: describe(
            patchTargetSchema,
            'The objects the rule applies to (group, version, kind, name and namespace are regular expressions); all objects when unset.',
          ),
        },
        { required: ['paths'] },
      ),
      {
        description:
          'Fields other controllers own (an HPA scaling replicas, a webhook injecting a sidecar): neither applied nor corrected as drift once the object exists.',
      },
    ),
    namePrefix: str({ description: 'Prefix added to the names of every object.', maxLength: 200 }),
    nameSuffix: str({ description: 'Suffix added to the names of every object.', maxLength: 200 }),
    patches: arr(patchSchema, { description: 'Patches applied to the built manifests.' }),
    images: arr(imageSchema, { description: 'Image overrides applied to the built manifests.' }),
    serviceAccountName: str({ description: 'ServiceAccount to impersonate when applying.' }),
    sourceRef: obj(
      {
        apiVersion: str({ description: 'API version of the source.' }),
        kind: str({ description: 'Kind of the source.', enum: ['OCIRepository', 'GitRepository', 'Bucket'] }),
        name: str({ description: 'Name of the source.' }),
        namespace: str({ description: 'Namespace of the source; the Kustomization namespace when unset.' }),
      },
      { description: 'The source whose artifact holds the manifests.', required: ['kind', 'name'] },
    ),
    suspend: suspendSchema,
    targetNamespace: str({
      description: 'Namespace set on every namespaced object; it must exist or be part of the manifests.',
      minLength: 1,
      maxLength: 63,
    }),
    timeout: duration({
      description: 'Timeout for building, applying and health checks; spec.interval when unset.',
    }),
    force: bool({
      description: 'Recreate objects whose immutable fields changed instead of failing.',
      default: false,
    }),
    wait: bool({
      description: 'Wait for every applied object to become Ready; healthChecks are then ignored.',
    }),
    components: arr(str(), {
      description: 'Kustomize components, relative to spec.path, included in the build.',
    }),
    deletionPolicy: str({
      description:
        'What happens to applied objects when the Kustomization is deleted: MirrorPrune (the default) follows spec.prune, Delete deletes them, WaitForTermination deletes them and waits until they are gone, Orphan leaves them.',
      enum: ['MirrorPrune', 'Delete', 'WaitForTermination', 'Orphan'],
      default: 'MirrorPrune',
    }),
  },
  { required: ['interval', 'prune', 'sourceRef'] },
);

export const inventorySchema = obj(
  {
    entries: arr(
      obj(
        {
          id: str({ description: 'Object id: <namespace>_<name>_<group>_<kind>.' }),
          v: str({ description: 'API version of the object.' }),
        },
        { required: ['id', 'v'] },
      ),
      { description: 'One entry per applied object.' },
    ),
  },
  { description: 'The objects applied by the last successful reconcile.', required: ['entries'] },
);

export const kustomizationStatusSchema = obj({
  ...commonStatusFields,
  lastAppliedRevision: str({ description: 'Revision of the last source artifact applied successfully.' }),
  lastAppliedOriginRevision: str({
    description: 'Origin revision (from the artifact metadata) of the last applied artifact.',
  }),
  lastAttemptedRevision: str({
    description: 'Revision of the last source artifact an apply was attempted with.',
  }),
  inventory: inventorySchema,
});

export type KustomizePatch = Infer<typeof patchSchema>;
export type KustomizeImage = Infer<typeof imageSchema>;
export type ResourceInventory = Infer<typeof inventorySchema>;
export type KustomizationSpec = Infer<typeof kustomizationSpecSchema>;
export type KustomizationStatus = Infer<typeof kustomizationStatusSchema>;
export type Kustomization = WeftObject<
  typeof KustomizeApiVersion,
  'Kustomization',
  KustomizationSpec,
  KustomizationStatus
>;

export const KustomizationKind = 'Kustomization';
export const KustomizationPlural = 'kustomizations';
export const kustomizationDefinition: KindDefinition<KustomizationSpec, KustomizationStatus> = {
  group: KustomizeGroup,
  version: KustomizeVersion,
  kind: KustomizationKind,
  plural: KustomizationPlural,
  singular: 'kustomization',
  shortNames: ['ks'],
  categories: ['weft'],
  description:
    'Builds a kustomize overlay from a source artifact and applies it with server-side apply, pruning and health checks.',
  spec: kustomizationSpecSchema,
  status: kustomizationStatusSchema,
  printerColumns: [revisionColumn('.status.lastAppliedRevision')],
};
