/**
 * Rendering for the controller's own release engine: Helm's template engine with no cluster
 * connection and the cluster's Capabilities passed in — the long-running renderer
 * (`--helm-renderer-path`), else one `helm template` process per render — cached by chart artifact digest + values digest + the
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
import type { HelmRenderer, TemplateRequest } from '../helm/renderer.ts';
import { postRenderPluginName } from '../postrender/plugin.ts';
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
  /** The post-renderer plugin's spec file (the controller's plugin), or none. */
  postRenderersFile: string | undefined;
  postRenderersDigest: string;
  capabilities: Capabilities;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** `notes`: the chart's rendered NOTES.txt (the renderer's; `helm template` prints none). */
export type Rendered = { manifest: string; notes: string } | { fallbackReason: string };

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

/** What renders: the long-running renderer when there is one, else `helm template`. */
export interface Renderers {
  helm: HelmCli;
  renderer?: HelmRenderer | undefined;
}

/** `helm template`'s arguments for a request (the renderer takes the same fields as JSON). */
export function templateArgs(request: TemplateRequest): string[] {
  return [
    'template',
    request.releaseName,
    request.chartPath,
    '--namespace',
    request.namespace,
    '--values',
    '-',
    '--kube-version',
    request.kubeVersion,
    '--api-versions',
    request.apiVersions.join(','),
    ...(request.isUpgrade ? ['--is-upgrade'] : []),
    ...(request.skipSchemaValidation ? ['--skip-schema-validation'] : []),
    ...(request.postRenderer
      ? ['--post-renderer', request.postRenderer.plugin, '--post-renderer-args', ...request.postRenderer.args]
      : []),
  ];
}

/** One render by `helm template` (no kubeconfig: it never connects): its stdout. */
export async function helmTemplate(
  helm: HelmCli,
  request: TemplateRequest,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<string> {
  const { stdout } = await helm.run(templateArgs(request), {
    timeoutMs: options.timeoutMs,
    stdin: request.values,
    kubeconfig: false,
    renderOnly: true,
    signal: options.signal,
  });
  return stdout;
}

export class RenderCache {
  readonly #renderers: Renderers;
  readonly #max: number;
  readonly #entries = new Map<string, Promise<Rendered>>();
  readonly #chartChecks = new Map<string, Promise<string | undefined>>();

  constructor(renderers: Renderers, max = 256) {
    this.#renderers = renderers;
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
    const template: TemplateRequest = {
      releaseName: request.releaseName,
      namespace: request.namespace,
      chartPath: request.chartDir,
      values: JSON.stringify(request.values),
      kubeVersion: request.capabilities.kubeVersion,
      apiVersions: request.capabilities.apiVersions,
      isUpgrade: request.isUpgrade,
      skipSchemaValidation: request.skipSchemaValidation,
      ...(request.postRenderersFile
        ? { postRenderer: { plugin: postRenderPluginName, args: [request.postRenderersFile] } }
        : {}),
    };
    const options = { timeoutMs: request.timeoutMs, signal: request.signal };
    const { renderer, helm } = this.#renderers;
    const { output: stdout, notes } = renderer
      ? await renderer.render(template, options)
      : { output: await helmTemplate(helm, template, options), notes: '' };
    if (hasHooks(stdout)) return { fallbackReason: 'the chart has hooks' };
    // helm template prints the release manifest trimmed; the stored one ends with a blank line.
    return { manifest: `${stdout.trimEnd()}\n\n`, notes };
  }
}
