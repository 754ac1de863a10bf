/**
 * The Helm actions of a HelmRelease (install, upgrade, test, rollback, uninstall) and what they
 * share: a timeout, wait and hook switches, and, for install and upgrade, the validation switches.
 */
import { arr, bool, duration, int, obj, str } from '../schema/builder.ts';

const crdsPolicy = (description: string) => str({ description, enum: ['Skip', 'Create', 'CreateReplace'] });
const actionTimeout = duration({ description: 'Timeout of the Helm action; spec.timeout when unset.' });
const disableWait = bool({ description: 'Do not wait for resources to be ready after the action.' });
const disableWaitForJobs = bool({ description: 'Do not wait for Jobs to complete after the action.' });
const disableHooks = bool({ description: 'Do not run hooks during the action.' });
const validationSwitches = {
  disableOpenAPIValidation: bool({
    description: 'Do not validate rendered templates against the Kubernetes OpenAPI schema.',
  }),
  disableSchemaValidation: bool({
    description: 'Do not validate values against the chart JSON schema.',
  }),
};

/** What to do when an install or upgrade fails: the fields both have (the upgrade adds a strategy). */
const remediationFields = (action: 'install' | 'upgrade') => ({
  retries: int({
    description: `Retries after a failed ${action}; negative retries forever.`,
    format: 'int32',
  }),
  ignoreTestFailures: bool({ description: 'Do not remediate failed tests.' }),
  remediateLastFailure: bool({ description: 'Remediate the last failure when retries are exhausted.' }),
});

export const installActionSchema = obj(
  {
    timeout: actionTimeout,
    remediation: obj(remediationFields('install'), {
      description: 'What to do when the install fails.',
    }),
    disableWait,
    disableWaitForJobs,
    disableHooks,
    ...validationSwitches,
    replace: bool({ description: 'Reuse the name of a deleted release that is still in history.' }),
    skipCRDs: bool({ description: 'Deprecated: use crds: Skip.' }),
    crds: crdsPolicy('What to do with the chart CRDs on install; Create when unset.'),
    createNamespace: bool({ description: 'Create the target namespace if missing.' }),
  },
  { description: 'Configuration of Helm install actions.' },
);

export const upgradeActionSchema = obj(
  {
    timeout: actionTimeout,
    remediation: obj(
      {
        ...remediationFields('upgrade'),
        strategy: str({
          description: 'How to remediate: rollback or uninstall.',
          enum: ['rollback', 'uninstall'],
        }),
      },
      { description: 'What to do when the upgrade fails.' },
    ),
    disableWait,
    disableWaitForJobs,
    disableHooks,
    ...validationSwitches,
    force: bool({ description: 'Replace resources through delete and recreate when needed.' }),
    preserveValues: bool({
      description: 'Reuse the values of the last release, merged with the new ones.',
    }),
    cleanupOnFail: bool({ description: 'Delete new resources created by a failed upgrade.' }),
    crds: crdsPolicy('What to do with the chart CRDs on upgrade; Skip when unset.'),
  },
  { description: 'Configuration of Helm upgrade actions.' },
);

export const testActionSchema = obj(
  {
    enable: bool({ description: 'Run the chart tests after install and upgrade.' }),
    timeout: actionTimeout,
    ignoreFailures: bool({ description: 'Do not fail the release when tests fail.' }),
    filters: arr(
      obj(
        {
          name: str({ description: 'Name of the test.', minLength: 1, maxLength: 253 }),
          exclude: bool({ description: 'Exclude instead of include the test.' }),
        },
        { required: ['name'] },
      ),
      { description: 'Which tests to run.' },
    ),
  },
  { description: 'Configuration of Helm test actions.' },
);

export const rollbackActionSchema = obj(
  {
    timeout: actionTimeout,
    disableWait,
    disableWaitForJobs,
    disableHooks,
    recreate: bool({ description: 'Restart pods of the rolled-back resources.' }),
    force: bool({ description: 'Replace resources through delete and recreate when needed.' }),
    cleanupOnFail: bool({ description: 'Delete new resources created by a failed rollback.' }),
  },
  { description: 'Configuration of Helm rollback actions.' },
);

export const uninstallActionSchema = obj(
  {
    timeout: actionTimeout,
    disableHooks,
    keepHistory: bool({ description: 'Keep the release history after uninstalling.' }),
    disableWait,
    deletionPropagation: str({
      description: 'How dependents are deleted.',
      enum: ['background', 'foreground', 'orphan'],
      default: 'background',
    }),
  },
  { description: 'Configuration of Helm uninstall actions.' },
);
