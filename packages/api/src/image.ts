/**
 * image.weft.dev/v1: image scanning and update automation. ImageRepository and ImagePolicy follow
 * Flux's image.toolkit.fluxcd.io v1beta2 reflector APIs, ImageUpdateAutomation its v1beta2
 * automation API.
 */
import type { KindDefinition, WeftObject } from './kind.ts';
import { arr, bool, describe, duration, type Infer, int, map, obj, str, time } from './schema/builder.ts';
import {
  accessFromSchema,
  commonStatusFields,
  intervalSchema,
  labelSelectorSchema,
  localObjectReferenceSchema,
  suspendSchema,
} from './schema/common.ts';
import { gitRepositoryRefSchema } from './source.ts';

export const ImageGroup = 'image.weft.dev';
export const ImageVersion = 'v1';
export const ImageApiVersion = `${ImageGroup}/${ImageVersion}` as const;
const categories = ['weft', 'weft-image'] as const;

// ---------------------------------------------------------------------------------------------
// ImageRepository

export const imageRepositorySpecSchema = obj(
  {
    image: str({ description: 'Image repository to scan, e.g. ghcr.io/org/app, without tag.' }),
    certSecretRef: describe(localObjectReferenceSchema, 'Secret with TLS material for the registry.'),
    secretRef: describe(
      localObjectReferenceSchema,
      'Secret of type kubernetes.io/dockerconfigjson with registry credentials.',
    ),
    serviceAccountName: str({
      description: 'ServiceAccount whose image pull secrets are used.',
      maxLength: 253,
    }),
    proxySecretRef: describe(localObjectReferenceSchema, 'Secret with the proxy to use.'),
    interval: intervalSchema,
    timeout: duration({ description: 'Timeout of a scan; spec.interval when unset.', hours: false }),
    suspend: suspendSchema,
    accessFrom: accessFromSchema,
    exclusionList: arr(str(), {
      description: 'Regular expressions of tags left out of the scan results.',
      default: ['^.*\\.sig$'],
      maxItems: 25,
    }),
    provider: str({
      description: 'Cloud provider whose workload identity logs in to the registry; generic uses secretRef.',
      enum: ['generic', 'aws', 'azure', 'gcp'],
      default: 'generic',
    }),
    insecure: bool({ description: 'Allow plain HTTP to the registry.' }),
  },
  { required: ['image', 'interval'] },
);

export const imageRepositoryStatusSchema = obj({
  ...commonStatusFields,
  canonicalImageName: str({ description: 'The image name, made canonical (with registry host).' }),
  lastScanResult: obj(
    {
      revision: str({ description: 'Digest of the list of tags found.' }),
      tagCount: int({ description: 'Number of tags found.' }),
      scanTime: time({ description: 'When the scan happened.' }),
      latestTags: arr(str(), { description: 'Some of the most recent tags, for display.' }),
    },
    { description: 'The result of the last scan.', required: ['tagCount'] },
  ),
  observedExclusionList: arr(str(), { description: 'The exclusionList of the last scan.' }),
});

export type ImageRepositorySpec = Infer<typeof imageRepositorySpecSchema>;
export type ImageRepositoryStatus = Infer<typeof imageRepositoryStatusSchema>;
export type ImageRepository = WeftObject<
  typeof ImageApiVersion,
  'ImageRepository',
  ImageRepositorySpec,
  ImageRepositoryStatus
>;

export const ImageRepositoryKind = 'ImageRepository';
export const ImageRepositoryPlural = 'imagerepositories';
export const imageRepositoryDefinition: KindDefinition<ImageRepositorySpec, ImageRepositoryStatus> = {
  group: ImageGroup,
  version: ImageVersion,
  kind: ImageRepositoryKind,
  plural: ImageRepositoryPlural,
  singular: 'imagerepository',
  shortNames: ['imgrepo'],
  categories,
  description: 'An image repository in a container registry, whose tags are scanned at every interval.',
  spec: imageRepositorySpecSchema,
  status: imageRepositoryStatusSchema,
  printerColumns: [
    { name: 'Image', type: 'string', jsonPath: '.status.canonicalImageName' },
    { name: 'Tags', type: 'integer', jsonPath: '.status.lastScanResult.tagCount' },
    { name: 'Last scan', type: 'string', jsonPath: '.status.lastScanResult.scanTime' },
  ],
};

// ---------------------------------------------------------------------------------------------
// ImagePolicy

const orderSchema = (what: string) =>
  obj(
    {
      order: str({
        description: 'asc picks the highest, desc the lowest.',
        enum: ['asc', 'desc'],
        default: 'asc',
      }),
    },
    { description: what },
  );

export const imagePolicyChoiceSchema = obj(
  {
    semver: obj(
      { range: str({ description: 'SemVer range the tag must satisfy; the highest match wins.' }) },
      { description: 'Pick the highest tag in a SemVer range.', required: ['range'] },
    ),
    alphabetical: orderSchema('Pick a tag by alphabetical order.'),
    numerical: orderSchema('Pick a tag by numerical order.'),
  },
  {
    description: 'How the latest tag is chosen; exactly one of semver, alphabetical, numerical.',
    minProperties: 1,
    maxProperties: 1,
  },
);

export const imagePolicySpecSchema = obj(
  {
    imageRepositoryRef: obj(
      {
        name: str({ description: 'Name of the ImageRepository.' }),
        namespace: str({
          description: 'Namespace of the ImageRepository; the ImagePolicy namespace when unset.',
        }),
      },
      { description: 'The ImageRepository whose tags are considered.', required: ['name'] },
    ),
    policy: imagePolicyChoiceSchema,
    filterTags: obj(
      {
        pattern: str({ description: 'Regular expression tags must match.' }),
        extract: str({
          description: 'Value to compare instead of the tag, with $name references to capture groups.',
        }),
      },
      { description: 'Filter tags before the policy applies.' },
    ),
    digestReflectionPolicy: str({
      description: 'When to look up the digest of the chosen tag: Always, IfNotPresent or Never.',
      enum: ['Always', 'IfNotPresent', 'Never'],
      default: 'Never',
    }),
    interval: duration({
      description: 'How often digests are refreshed; required with digestReflectionPolicy Always.',
    }),
    suspend: suspendSchema,
  },
  {
    required: ['imageRepositoryRef', 'policy'],
    validations: [
      {
        rule: "!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')",
        message: "spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'",
      },
      {
        rule: "has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'",
        message: "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
      },
    ],
  },
);

const imageRefSchema = (description: string) =>
  obj(
    {
      name: str({ description: 'Image name, with registry host.' }),
      tag: str({ description: 'Image tag.' }),
      digest: str({ description: 'Image digest, when reflected.' }),
    },
    { description, required: ['name', 'tag'] },
  );

export const imagePolicyStatusSchema = obj({
  ...commonStatusFields,
  latestRef: imageRefSchema('The image the policy picked.'),
  observedPreviousRef: imageRefSchema('The image picked before the latest change.'),
});

export type ImagePolicySpec = Infer<typeof imagePolicySpecSchema>;
export type ImagePolicyStatus = Infer<typeof imagePolicyStatusSchema>;
export type ImagePolicy = WeftObject<
  typeof ImageApiVersion,
  'ImagePolicy',
  ImagePolicySpec,
  ImagePolicyStatus
>;

export const ImagePolicyKind = 'ImagePolicy';
export const ImagePolicyPlural = 'imagepolicies';
export const imagePolicyDefinition: KindDefinition<ImagePolicySpec, ImagePolicyStatus> = {
  group: ImageGroup,
  version: ImageVersion,
  kind: ImagePolicyKind,
  plural: ImagePolicyPlural,
  singular: 'imagepolicy',
  shortNames: ['imgpol'],
  categories,
  description: 'Picks the latest image of an ImageRepository by a SemVer, alphabetical or numerical policy.',
  spec: imagePolicySpecSchema,
  status: imagePolicyStatusSchema,
  printerColumns: [
    { name: 'Image', type: 'string', jsonPath: '.status.latestRef.name' },
    { name: 'Tag', type: 'string', jsonPath: '.status.latestRef.tag' },
  ],
};

// ---------------------------------------------------------------------------------------------
// ImageUpdateAutomation

export const imageUpdateAutomationSpecSchema = obj(
  {
    sourceRef: obj(
      {
        apiVersion: str({ description: 'API version of the source.' }),
        kind: str({ description: 'Kind of the source.', enum: ['GitRepository'], default: 'GitRepository' }),
        name: str({ description: 'Name of the source.' }),
        namespace: str({ description: 'Namespace of the source; the automation namespace when unset.' }),
      },
      { description: 'The GitRepository to update.', required: ['kind', 'name'] },
    ),
    git: obj(
      {
        checkout: obj(
          { ref: describe(gitRepositoryRefSchema, 'The reference to check out.') },
          { description: 'What to check out; the GitRepository ref when unset.', required: ['ref'] },
        ),
        commit: obj(
          {
            author: obj(
              {
                name: str({ description: 'Name of the commit author.' }),
                email: str({ description: 'Email of the commit author.' }),
              },
              { description: 'Author of the commits.', required: ['email'] },
            ),
            signingKey: obj(
              {
                secretRef: describe(
                  localObjectReferenceSchema,
                  'Secret with an armored OpenPGP key in git.asc.',
                ),
              },
              { description: 'Sign commits with this key.' },
            ),
            messageTemplate: str({ description: 'Go-style template of the commit message.' }),
            messageTemplateValues: map(str(), { description: 'Values available to the message template.' }),
          },
          { description: 'How commits are made.', required: ['author'] },
        ),
        push: obj(
          {
            branch: str({ description: 'Branch to push to; the checked-out branch when unset.' }),
            refspec: str({ description: 'Git refspec to push with, e.g. refs/heads/main:refs/heads/auto.' }),
            options: map(str(), { description: 'Git push options.' }),
            policyBranches: obj(
              {
                prefix: str({
                  description: 'Branch name prefix: the update of policy P goes to branch <prefix>/P.',
                  minLength: 1,
                }),
                pullRequest: obj(
                  {
                    provider: str({
                      description:
                        'The forge whose API opens the requests: gitea (tested against a real Gitea), github or gitlab (written to their documented APIs, not tested against a real server).',
                      enum: ['gitea', 'github', 'gitlab'],
                    }),
                    secretRef: describe(
                      localObjectReferenceSchema,
                      'Secret with an API token of the forge in its `token` key.',
                    ),
                    address: str({
                      description:
                        "The forge's base URL, e.g. https://gitea.example.com; the scheme, host and port of the GitRepository URL when unset (github.com's API is api.github.com).",
                    }),
                    base: str({
                      description:
                        'The branch the requests ask to merge into; the checkout branch when unset.',
                    }),
                  },
                  {
                    description:
                      'weft extension: open a pull (merge) request for each policy branch through the forge API; a later update of the policy updates that branch and its open request instead of opening another.',
                    required: ['provider', 'secretRef'],
                  },
                ),
              },
              {
                description:
                  "weft extension: push each policy's update to its own branch, based on that branch when it exists and on the checkout ref otherwise.",
                required: ['prefix'],
              },
            ),
          },
          {
            description: 'Where commits are pushed.',
            validations: [
              {
                rule: '!has(self.policyBranches) || (!has(self.branch) && !has(self.refspec))',
                message: 'spec.git.push.policyBranches cannot be combined with branch or refspec',
              },
            ],
          },
        ),
      },
      { description: 'How to check out, commit and push.', required: ['commit'] },
    ),
    interval: intervalSchema,
    policySelector: describe(
      labelSelectorSchema,
      'Selects the ImagePolicies used; all in the namespace when unset.',
    ),
    update: obj(
      {
        path: str({ description: 'Path in the repository where markers are updated; the root when unset.' }),
        strategy: str({
          description: 'How files are updated: Setters replaces values marked with $imagepolicy comments.',
          enum: ['Setters'],
          default: 'Setters',
        }),
      },
      {
        description: 'What to update in the repository.',
        default: { strategy: 'Setters' },
        required: ['strategy'],
      },
    ),
    suspend: suspendSchema,
  },
  { required: ['sourceRef', 'interval'] },
);

export const imageUpdateAutomationStatusSchema = obj({
  ...commonStatusFields,
  lastAutomationRunTime: time({ description: 'When the automation last ran.' }),
  lastPushCommit: str({ description: 'SHA of the last commit pushed.' }),
  lastPushTime: time({ description: 'When the last commit was pushed.' }),
  observedPolicies: map(
    obj(
      {
        name: str({ description: 'Image name.' }),
        tag: str({ description: 'Image tag.' }),
        digest: str({ description: 'Image digest.' }),
      },
      { required: ['name', 'tag'] },
    ),
    { description: 'The images of the policies seen at the last run, by policy name.' },
  ),
  observedSourceRevision: str({ description: 'The source revision seen at the last run.' }),
});

export type ImageUpdateAutomationSpec = Infer<typeof imageUpdateAutomationSpecSchema>;
export type ImageUpdateAutomationStatus = Infer<typeof imageUpdateAutomationStatusSchema>;
export type ImageUpdateAutomation = WeftObject<
  typeof ImageApiVersion,
  'ImageUpdateAutomation',
  ImageUpdateAutomationSpec,
  ImageUpdateAutomationStatus
>;

export const ImageUpdateAutomationKind = 'ImageUpdateAutomation';
export const ImageUpdateAutomationPlural = 'imageupdateautomations';
export const imageUpdateAutomationDefinition: KindDefinition<
  ImageUpdateAutomationSpec,
  ImageUpdateAutomationStatus
> = {
  group: ImageGroup,
  version: ImageVersion,
  kind: ImageUpdateAutomationKind,
  plural: ImageUpdateAutomationPlural,
  singular: 'imageupdateautomation',
  shortNames: ['imgupd'],
  categories,
  description:
    'Writes the images ImagePolicies picked into files of a Git repository, commits and pushes the change.',
  spec: imageUpdateAutomationSpecSchema,
  status: imageUpdateAutomationStatusSchema,
  printerColumns: [{ name: 'Last run', type: 'string', jsonPath: '.status.lastAutomationRunTime' }],
};
