/**
 * One install or upgrade, by the fastest engine that releases the chart exactly as Helm would:
 * the controller's own (one render by Helm's template engine, then apply, wait and storage in-process: see
 * engine/) when the chart allows it, otherwise one run of the helm binary (`helm install` /
 * `helm upgrade`). Both write the same release storage, so either can follow the other.
 */
import type { HelmReleaseSpec } from '@weft/api';
import type { Client } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import type { Logger } from '@weft/runtime/log';
import type { CapabilitiesCache } from './engine/capabilities.ts';
import { chartJson, type HelmChartJson } from './engine/chart-json.ts';
import { appliesCrdsItself, applyChartCrds, crdPolicy } from './engine/crds.ts';
import { helmFieldManager, ReleaseActionError, type ReleaseEngine } from './engine/release.ts';
import type { RenderCache } from './engine/render.ts';
import { actionTimeoutMs, installArgs, type ReleaseTarget, upgradeArgs } from './helm/actions.ts';
import type { HelmCli } from './helm/cli.ts';
import type { HelmReleaseRecord } from './helm/storage.ts';

export interface ReleaseActionRequest {
  spec: HelmReleaseSpec;
  action: 'install' | 'upgrade';
  target: ReleaseTarget;
  history: readonly HelmReleaseRecord[];
  chartDir: string;
  chartDigest: string;
  values: Record<string, unknown>;
  configDigest: string;
  postRenderersFile: string | undefined;
  postRenderersDigest: string;
  description: string;
  signal: AbortSignal;
  log: Logger;
  /** ReconcileContext.waiting: the own engine's wait for the objects runs outside the slot. */
  waiting?: (<R>(work: () => Promise<R>) => Promise<R>) | undefined;
  /** The target cluster: its client, and its kubeconfig for helm (undefined: the controller's). */
  client: Client;
  kubeconfigPath: string | undefined;
}

export interface ReleaseActionsOptions {
  helm: HelmCli;
  engine: ReleaseEngine;
  renders: RenderCache;
  capabilities: CapabilitiesCache;
  /** false: every action through the helm binary (`--helm-engine=binary`). */
  ownEngine: boolean;
}

/**
 * The helm binary stores a release in the namespace it installs into: a release whose storage is
 * elsewhere can only be made by the own engine.
 */
function separateStorageRefused(target: ReleaseTarget, why: string): ReleaseActionError {
  return new ReleaseActionError(
    `spec.storageNamespace '${target.storageNamespace}' differs from the release namespace '${target.namespace}', which only the controller's own engine supports, but this release needs the helm binary (${why}; helm keeps a release's storage in its own namespace): remove spec.storageNamespace or set it to '${target.namespace}'`,
  );
}

export class ReleaseActions {
  readonly #options: ReleaseActionsOptions;
  readonly #charts = new Map<string, Promise<HelmChartJson>>();

  constructor(options: ReleaseActionsOptions) {
    this.#options = options;
  }

  /** Why this action goes through the helm binary, from the spec alone, or undefined. */
  #specFallback(request: ReleaseActionRequest): string | undefined {
    const { spec, action } = request;
    if (!this.#options.ownEngine) return 'the helm binary engine is configured';
    if (action === 'install' && spec.install?.createNamespace) return 'install.createNamespace';
    if (action === 'upgrade' && spec.upgrade?.force) return 'upgrade.force';
    if (action === 'upgrade' && spec.upgrade?.cleanupOnFail) return 'upgrade.cleanupOnFail';
    return undefined;
  }

  /** Which engine ran; the own engine also says what it left in storage (no read needed). */
  async run(
    request: ReleaseActionRequest,
  ): Promise<{ engine: 'engine'; history: HelmReleaseRecord[] } | { engine: 'binary' }> {
    const { spec, action, target } = request;
    const actionSpec = action === 'install' ? spec.install : spec.upgrade;
    const timeoutMs = actionTimeoutMs(spec, actionSpec?.timeout);
    const client = (
      target.impersonate ? request.client.impersonate(target.impersonate) : request.client
    ).withFieldManager(helmFieldManager);
    if (appliesCrdsItself(spec, action)) {
      const policy = crdPolicy(spec, action);
      await applyChartCrds(client, request.chartDir, policy, request.signal).catch((error: unknown) => {
        throw new ReleaseActionError(
          `cannot apply the chart's CRDs (${action}.crds ${policy}): ${errorMessage(error)}`,
        );
      });
    }
    const fallback = this.#specFallback(request);
    if (fallback !== undefined && target.storageNamespace !== target.namespace)
      throw separateStorageRefused(target, fallback);
    if (fallback === undefined) {
      const rendered = await this.#options.renders.render({
        releaseName: target.releaseName,
        namespace: target.namespace,
        chartDir: request.chartDir,
        chartDigest: request.chartDigest,
        values: request.values,
        configDigest: request.configDigest,
        isUpgrade: action === 'upgrade',
        skipSchemaValidation: actionSpec?.disableSchemaValidation === true,
        postRenderersFile: request.postRenderersFile,
        postRenderersDigest: request.postRenderersDigest,
        capabilities: await this.#options.capabilities.get(request.client),
        timeoutMs: Math.min(timeoutMs, 120_000),
        signal: request.signal,
      });
      if ('manifest' in rendered) {
        const history = await this.#options.engine.run(
          {
            action,
            releaseName: target.releaseName,
            namespace: target.namespace,
            storageNamespace: target.storageNamespace,
            history: request.history,
            chart: await this.#chart(request.chartDigest, request.chartDir),
            values: request.values,
            manifest: rendered.manifest,
            notes: rendered.notes,
            description: request.description,
            timeoutMs,
            disableWait: actionSpec?.disableWait === true,
            disableWaitForJobs: actionSpec?.disableWaitForJobs === true,
            maxHistory: spec.maxHistory ?? 5,
            signal: request.signal,
            waiting: request.waiting,
          },
          client,
        );
        return { engine: 'engine', history };
      }
      if (target.storageNamespace !== target.namespace)
        throw separateStorageRefused(target, rendered.fallbackReason);
      request.log.debug({ reason: rendered.fallbackReason }, 'release through the helm binary');
    } else {
      request.log.debug({ reason: fallback }, 'release through the helm binary');
    }
    const latest = request.history[0];
    const args =
      action === 'install'
        ? installArgs(spec, target, request.chartDir, '-', {
            replace: latest?.status === 'uninstalled',
            description: request.description,
            postRenderersFile: request.postRenderersFile,
          })
        : upgradeArgs(spec, target, request.chartDir, '-', request.description, request.postRenderersFile);
    await this.#options.helm.run(args, {
      timeoutMs,
      signal: request.signal,
      stdin: JSON.stringify(request.values),
      kubeconfig: request.kubeconfigPath,
    });
    return { engine: 'binary' };
  }

  /** The chart as Helm stores it, read once per artifact digest. */
  #chart(digest: string, chartDir: string): Promise<HelmChartJson> {
    let chart = this.#charts.get(digest);
    if (!chart) {
      chart = chartJson(chartDir);
      this.#charts.set(digest, chart);
      chart.catch(() => this.#charts.delete(digest));
      if (this.#charts.size > 64) this.#charts.delete(this.#charts.keys().next().value ?? '');
    }
    return chart;
  }
}
