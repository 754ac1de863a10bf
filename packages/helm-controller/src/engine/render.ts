/**
 * Rendering for the controller's own release engine: one `helm template` (no cluster connection,
 * the cluster's Capabilities passed in), cached by chart artifact digest + values digest + the
 * rest of what the output depends on. A chart the engine cannot release exactly as `helm` would
 * goes to the helm binary instead (`fallbackReason`): hooks (ordering, weights, delete policies
 * and `helm test` stay Helm's), CRDs in `crds/` (Helm's own CRD handling), templates reading
 * `.Release.Revision` or calling `lookup` (their output depends on the stored history or the live
 * cluster), and packaged subcharts (their templates cannot be checked without unpacking).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { HelmCli } from '../helm/cli.ts';
import type { Capabilities } from './capabilities.ts';

export interface RenderRequest {
  releaseName: string;
  namespace: string;
  chartDir: string;
  /** The chart artifact's digest: with the values digest, the cache key. */
  chartDigest: string;
  values: Record<string, unknown>;
  configDigest: string;
  isUpgrade: boolean;
  skipSchemaValidation: boolean;
  /** `--post-renderer` arguments (the controller's plugin and its spec file), or none. */
  postRenderArgs: string[];
  postRenderersDigest: string;
  capabilities: Capabilities;
  timeoutMs: number;
  signal?: AbortSignal;
}

export type Rendered = { manifest: string } | { fallbackReason: string };

const scannedTemplate = /\.Release\.Revision\b|\blookup\s+"/;

/** Why the chart itself (before rendering) needs the helm binary, or undefined. */
export async function chartFallbackReason(chartDir: string): Promise<string | undefined> {
  const entries = await readdir(chartDir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = relative(chartDir, join(entry.parentPath, entry.name)).split(sep);
    const dirs = path.slice(0, -1);
    if (dirs.at(-1) === 'charts' && entry.name.endsWith('.tgz')) return 'the chart has packaged subcharts';
    if (dirs.includes('crds')) return 'the chart has CRDs (crds/)';
    if (dirs.includes('templates') && !entry.name.endsWith('.txt')) {
      const text = await readFile(join(entry.parentPath, entry.name), 'utf8');
      if (scannedTemplate.test(text)) return 'a template reads .Release.Revision or calls lookup';
    }
  }
  return undefined;
}

function hasHooks(manifest: string): boolean {
  if (!manifest.includes('helm.sh/hook')) return false;
  return parseAllDocuments(manifest).some((doc) => {
    const value = doc.toJS({ maxAliasCount: 100 }) as {
      metadata?: { annotations?: Record<string, unknown> };
    } | null;
    return value?.metadata?.annotations?.['helm.sh/hook'] !== undefined;
  });
}

export class RenderCache {
  readonly #helm: HelmCli;
  readonly #max: number;
  readonly #entries = new Map<string, Promise<Rendered>>();
  readonly #chartChecks = new Map<string, Promise<string | undefined>>();

  constructor(helm: HelmCli, max = 256) {
    this.#helm = helm;
    this.#max = max;
  }

  render(request: RenderRequest): Promise<Rendered> {
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          request.chartDigest,
          request.configDigest,
          request.releaseName,
          request.namespace,
          request.isUpgrade,
          request.skipSchemaValidation,
          request.postRenderersDigest,
          request.capabilities.kubeVersion,
          request.capabilities.apiVersions,
        ]),
      )
      .digest('hex');
    const cached = this.#entries.get(key);
    if (cached) {
      // Most recently used last: Map keeps insertion order.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const rendered = this.#render(request);
    this.#entries.set(key, rendered);
    rendered.catch(() => this.#entries.delete(key));
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return rendered;
  }

  async #render(request: RenderRequest): Promise<Rendered> {
    let check = this.#chartChecks.get(request.chartDigest);
    if (!check) {
      check = chartFallbackReason(request.chartDir);
      this.#chartChecks.set(request.chartDigest, check);
      if (this.#chartChecks.size > this.#max)
        this.#chartChecks.delete(this.#chartChecks.keys().next().value ?? '');
    }
    const chartReason = await check;
    if (chartReason) return { fallbackReason: chartReason };
    const args = [
      'template',
      request.releaseName,
      request.chartDir,
      '--namespace',
      request.namespace,
      '--values',
      '-',
      '--kube-version',
      request.capabilities.kubeVersion,
      '--api-versions',
      request.capabilities.apiVersions.join(','),
      ...(request.isUpgrade ? ['--is-upgrade'] : []),
      ...(request.skipSchemaValidation ? ['--skip-schema-validation'] : []),
      ...request.postRenderArgs,
    ];
    const { stdout } = await this.#helm.run(args, {
      timeoutMs: request.timeoutMs,
      stdin: JSON.stringify(request.values),
      kubeconfig: false,
      renderOnly: true,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    if (hasHooks(stdout)) return { fallbackReason: 'the chart has hooks' };
    // helm template prints the release manifest trimmed; the stored one ends with a blank line.
    return { manifest: `${stdout.trimEnd()}\n\n` };
  }
}
