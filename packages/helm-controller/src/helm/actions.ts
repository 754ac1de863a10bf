/**
 * The helm command lines of a HelmRelease's actions, from its spec, with Flux's defaults: wait for
 * resources (kstatus, Helm 4's `watcher`), 5m timeout, values reset to the chart's plus ours on
 * every upgrade (never reused from the last release), 5 revisions of history.
 */
import type { HelmReleaseSpec } from '@weft/api';
import { formatDuration, parseDuration } from '@weft/runtime/reconcile';
import { postRenderPluginName } from '../postrender/plugin.ts';

export interface ReleaseTarget {
  releaseName: string;
  namespace: string;
  /** Where Helm's storage Secrets are: spec.storageNamespace, default the release namespace. */
  storageNamespace: string;
  /** Helm acts as this user (`system:serviceaccount:<ns>:<name>`) when set. */
  impersonate?: string | undefined;
}

type WaitOptions = { disableWait?: boolean | undefined; disableWaitForJobs?: boolean | undefined };

export function actionTimeoutMs(spec: HelmReleaseSpec, own: string | undefined): number {
  return parseDuration(own ?? spec.timeout ?? '5m');
}

function common(target: ReleaseTarget, timeoutMs: number): string[] {
  const args = ['--namespace', target.namespace, '--timeout', helmDuration(timeoutMs)];
  if (target.impersonate) args.push('--kube-as-user', target.impersonate);
  return args;
}

function wait(options: WaitOptions | undefined): string[] {
  if (options?.disableWait) return ['--wait=hookOnly'];
  return options?.disableWaitForJobs ? ['--wait=watcher'] : ['--wait=watcher', '--wait-for-jobs'];
}

/** The post-renderer plugin, given the file holding spec.postRenderers. */
export function postRender(file: string | undefined): string[] {
  return file ? ['--post-renderer', postRenderPluginName, '--post-renderer-args', file] : [];
}

function helmDuration(ms: number): string {
  return formatDuration(ms) || '0s';
}

export function installArgs(
  spec: HelmReleaseSpec,
  target: ReleaseTarget,
  chartDir: string,
  /** `-`: helm reads the values from stdin. */
  valuesFile: string,
  options: { replace: boolean; description: string; postRenderersFile?: string | undefined },
): string[] {
  const install = spec.install ?? {};
  const args = [
    'install',
    target.releaseName,
    chartDir,
    '--values',
    valuesFile,
    ...postRender(options.postRenderersFile),
  ];
  args.push(...common(target, actionTimeoutMs(spec, install.timeout)), ...wait(install));
  args.push('--description', options.description);
  if (install.disableHooks) args.push('--no-hooks');
  if (install.disableOpenAPIValidation) args.push('--disable-openapi-validation');
  if (install.disableSchemaValidation) args.push('--skip-schema-validation');
  if (install.createNamespace) args.push('--create-namespace');
  if (install.replace || options.replace) args.push('--replace');
  // CreateReplace: the controller applied the CRDs itself (engine/crds.ts).
  if (
    install.crds === 'Skip' ||
    install.crds === 'CreateReplace' ||
    (install.crds === undefined && install.skipCRDs)
  )
    args.push('--skip-crds');
  return args;
}

export function upgradeArgs(
  spec: HelmReleaseSpec,
  target: ReleaseTarget,
  chartDir: string,
  valuesFile: string,
  description: string,
  postRenderersFile?: string,
): string[] {
  const upgrade = spec.upgrade ?? {};
  const args = ['upgrade', target.releaseName, chartDir, '--values', valuesFile, '--reset-values'];
  args.push(...postRender(postRenderersFile));
  args.push(...common(target, actionTimeoutMs(spec, upgrade.timeout)), ...wait(upgrade));
  args.push('--history-max', String(spec.maxHistory ?? 5), '--description', description);
  if (upgrade.disableHooks) args.push('--no-hooks');
  if (upgrade.disableOpenAPIValidation) args.push('--disable-openapi-validation');
  if (upgrade.disableSchemaValidation) args.push('--skip-schema-validation');
  if (upgrade.force) args.push('--force-replace');
  if (upgrade.cleanupOnFail) args.push('--cleanup-on-fail');
  return args;
}

export function rollbackArgs(spec: HelmReleaseSpec, target: ReleaseTarget, toVersion: number): string[] {
  const rollback = spec.rollback ?? {};
  const args = ['rollback', target.releaseName, String(toVersion)];
  args.push(...common(target, actionTimeoutMs(spec, rollback.timeout)), ...wait(rollback));
  args.push('--history-max', String(spec.maxHistory ?? 5));
  if (rollback.disableHooks) args.push('--no-hooks');
  if (rollback.force) args.push('--force-replace');
  if (rollback.cleanupOnFail) args.push('--cleanup-on-fail');
  return args;
}

export function uninstallArgs(spec: HelmReleaseSpec, target: ReleaseTarget): string[] {
  const uninstall = spec.uninstall ?? {};
  const args = ['uninstall', target.releaseName, ...common(target, actionTimeoutMs(spec, uninstall.timeout))];
  args.push('--cascade', uninstall.deletionPropagation ?? 'background');
  if (!uninstall.disableWait) args.push('--wait=watcher');
  if (uninstall.disableHooks) args.push('--no-hooks');
  if (uninstall.keepHistory) args.push('--keep-history');
  return args;
}

export function testArgs(spec: HelmReleaseSpec, target: ReleaseTarget): string[] {
  const test = spec.test ?? {};
  const args = ['test', target.releaseName, ...common(target, actionTimeoutMs(spec, test.timeout))];
  for (const filter of test.filters ?? [])
    args.push('--filter', `${filter.exclude ? '!' : ''}name=${filter.name}`);
  return args;
}
