/** source.weft.dev/v1 GitRepository: a Git repository cloned at a reference and published as an artifact. */
import { type KindDefinition, revisionColumn, type WeftObject } from '../kind.ts';
import { arr, bool, describe, type Infer, obj, str } from '../schema/builder.ts';
import {
  artifactSchema,
  commonStatusFields,
  intervalSchema,
  localObjectReferenceSchema,
  suspendSchema,
} from '../schema/common.ts';
import { ignore, proxySecretRef, type SourceApiVersion, secretRef, sourceKind, timeout } from './shared.ts';

export const gitRepositoryRefSchema = obj(
  {
    branch: str({ description: 'Branch to check out; the controller uses master when no ref is given.' }),
    tag: str({ description: 'Tag to check out; takes precedence over branch.' }),
    semver: str({ description: 'SemVer range of tags to pick the newest from; takes precedence over tag.' }),
    name: str({
      description:
        'Reference name to check out, e.g. refs/heads/main or refs/pull/420/head; takes precedence over semver.',
    }),
    commit: str({
      description:
        'Commit SHA to check out; takes precedence over everything else, and with a branch it must be on that branch.',
    }),
  },
  { description: 'The Git reference to check out and watch.' },
);

const gitIncludeSchema = obj(
  {
    repository: describe(localObjectReferenceSchema, 'The GitRepository to include.'),
    fromPath: str({ description: 'Path in the included repository to copy; defaults to its root.' }),
    toPath: str({
      description: 'Path in this artifact to copy to; defaults to the name of the included repository.',
    }),
  },
  { required: ['repository'] },
);

export const gitRepositorySpecSchema = obj(
  {
    url: str({ description: 'Repository URL: http, https or ssh.', pattern: '^(http|https|ssh)://.*$' }),
    secretRef: secretRef(
      'Secret with credentials: username and password (or bearerToken) for HTTPS, identity and known_hosts for SSH.',
    ),
    provider: str({
      description:
        'Where authentication comes from: generic uses secretRef; azure and github use workload identity or an app.',
      enum: ['generic', 'azure', 'github'],
      default: 'generic',
    }),
    interval: intervalSchema,
    timeout,
    ref: gitRepositoryRefSchema,
    verify: obj(
      {
        mode: str({
          description: 'What to verify: the HEAD commit, the tag, or both.',
          enum: ['head', 'HEAD', 'Tag', 'TagAndHEAD'],
          default: 'HEAD',
        }),
        secretRef: secretRef(
          'Secret with the trusted keys: armored OpenPGP public keys (e.g. author.asc) and SSH keys in allowed_signers form.',
        ),
      },
      {
        description:
          'Verify the OpenPGP or SSH signature of the commit or tag before publishing the artifact.',
        required: ['secretRef'],
      },
    ),
    proxySecretRef,
    ignore,
    suspend: suspendSchema,
    recurseSubmodules: bool({ description: 'Also clone Git submodules.' }),
    include: arr(gitIncludeSchema, {
      description: 'Other GitRepositories whose artifacts are copied into this one.',
    }),
    sparseCheckout: arr(str(), { description: 'Directories to check out; all of them when empty.' }),
    serviceAccountName: str({
      description: 'ServiceAccount whose identity is used with the azure provider.',
    }),
  },
  {
    required: ['url', 'interval'],
    validations: [
      {
        rule: "self.provider != 'github' || has(self.secretRef)",
        message: 'spec.secretRef must be specified when spec.provider is github',
      },
    ],
  },
);

export const gitRepositoryStatusSchema = obj({
  ...commonStatusFields,
  artifact: artifactSchema,
  includedArtifacts: arr(artifactSchema, { description: 'Artifacts of the included repositories.' }),
  observedIgnore: str({ description: 'The spec.ignore the artifact was built with.' }),
  observedRecurseSubmodules: bool({ description: 'The spec.recurseSubmodules the artifact was built with.' }),
  observedInclude: arr(gitIncludeSchema, { description: 'The spec.include the artifact was built with.' }),
  observedSparseCheckout: arr(str(), { description: 'The spec.sparseCheckout the artifact was built with.' }),
  sourceVerificationMode: str({ description: 'The verification mode the artifact was checked with.' }),
});

export type GitRepositoryRef = Infer<typeof gitRepositoryRefSchema>;
export type GitRepositorySpec = Infer<typeof gitRepositorySpecSchema>;
export type GitRepositoryStatus = Infer<typeof gitRepositoryStatusSchema>;
export type GitRepository = WeftObject<
  typeof SourceApiVersion,
  'GitRepository',
  GitRepositorySpec,
  GitRepositoryStatus
>;

export const GitRepositoryKind = 'GitRepository';
export const GitRepositoryPlural = 'gitrepositories';
export const gitRepositoryDefinition: KindDefinition<GitRepositorySpec, GitRepositoryStatus> = {
  ...sourceKind,
  kind: GitRepositoryKind,
  plural: GitRepositoryPlural,
  singular: 'gitrepository',
  shortNames: ['gitrepo'],
  description:
    'A Git repository: the controller clones a reference at every interval and publishes it as an artifact.',
  spec: gitRepositorySpecSchema,
  status: gitRepositoryStatusSchema,
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url' },
    revisionColumn('.status.artifact.revision'),
  ],
};
