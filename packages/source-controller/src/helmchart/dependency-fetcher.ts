/**
 * Fetches a chart's repository dependencies as Flux does: with the credentials of the
 * HelmRepository in the chart's namespace whose URL is the dependency's (and, for HTTP, its index
 * artifact), else directly from the URL, anonymously. Each tarball is size-capped,
 * digest-checked and unpacked once to check it before it goes into `charts/`.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HelmRepository, HelmRepositoryKind, SourceApiVersion } from '@weft/api';
import type { Client, KubeObject } from '@weft/runtime/client';
import { type ChartArchiveLimits, unpackChart } from '../helm/archive.ts';
import { repositoryTransport } from '../helm/auth.ts';
import type { DependencyFetcher } from '../helm/dependencies.ts';
import { HelmError } from '../helm/errors.ts';
import { httpGet } from '../helm/http.ts';
import type { IndexCache } from '../helm/index-cache.ts';
import { type HelmIndex, indexUrl, parseIndex, selectChartVersion } from '../helm/index-file.ts';
import { downloadIndexedChart } from '../helm/indexed-chart.ts';
import { downloadOciChart, ociChartError, ociChartReference, resolveOciChart } from '../helm/oci-chart.ts';
import { registryClientFor } from '../source/registry.ts';

type HelmRepositoryObject = HelmRepository & KubeObject;

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export interface RepositoryDependenciesOptions {
  client: Pick<Client, 'get' | 'list'>;
  /** The HelmChart's namespace: where matching HelmRepositories and their Secrets are read. */
  namespace: string;
  indexes: IndexCache;
  limits: ChartArchiveLimits & { maxChartBytes: number; maxIndexBytes: number };
  /** A temp directory of the reconcile. */
  work: string;
  timeoutMs: number;
  signal: AbortSignal;
}

export class RepositoryDependencies implements DependencyFetcher {
  readonly #options: RepositoryDependenciesOptions;
  /** The namespace's HelmRepositories, listed once per reconcile. */
  #repositories: Promise<HelmRepositoryObject[]> | undefined;

  constructor(options: RepositoryDependenciesOptions) {
    this.#options = options;
  }

  async fetch(repository: string, name: string, range: string, dest: string): Promise<string> {
    const known = (await this.#helmRepositories()).find((candidate) =>
      sameUrl(candidate.spec.url, repository),
    );
    const work = await mkdtemp(join(this.#options.work, 'dep-'));
    try {
      const tarball = join(work, `${name}.tgz`);
      const version = repository.startsWith('oci://')
        ? await this.#fetchOci(repository, known, name, range, tarball)
        : await this.#fetchIndexed(repository, known, name, range, tarball);
      await unpackChart(tarball, join(work, 'check'), { name, version }, this.#options.limits);
      await rm(join(work, 'check'), { recursive: true, force: true });
      await rename(tarball, join(dest, `${name}-${version}.tgz`));
      return version;
    } catch (error) {
      const cause = ociChartError(error);
      if (cause instanceof HelmError)
        throw new HelmError(
          cause.code === 'InvalidUrl' ? 'MissingDependency' : cause.code,
          `dependency '${name}' from ${repository}: ${cause.message}`,
          { cause },
        );
      throw cause;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  #helmRepositories(): Promise<HelmRepositoryObject[]> {
    this.#repositories ??= this.#options.client
      .list<HelmRepositoryObject>({
        apiVersion: SourceApiVersion,
        kind: HelmRepositoryKind,
        namespace: this.#options.namespace,
      })
      .then((list) => list.items);
    return this.#repositories;
  }

  async #fetchIndexed(
    url: string,
    known: HelmRepositoryObject | undefined,
    name: string,
    range: string,
    tarball: string,
  ): Promise<string> {
    const { limits, signal, timeoutMs } = this.#options;
    let index: HelmIndex;
    if (known) {
      const artifact = known.status?.artifact;
      if (!artifact)
        throw new HelmError(
          'Unreachable',
          `HelmRepository '${known.metadata.name}' has no index artifact yet: see its Ready condition`,
        );
      index = await this.#options.indexes.get(artifact);
    } else {
      const bytes = await httpGet(indexUrl(url), {
        what: 'repository index',
        timeoutMs,
        maxBytes: limits.maxIndexBytes,
        signal,
      });
      index = parseIndex(bytes.toString('utf8'));
    }
    const entry = selectChartVersion(index, name, range);
    const bytes = await downloadIndexedChart({
      repositoryUrl: url,
      entry,
      transport: known ? await repositoryTransport(this.#options.client, known) : {},
      passCredentials: known?.spec.passCredentials === true,
      timeoutMs,
      maxBytes: limits.maxChartBytes,
      signal,
    });
    await writeFile(tarball, bytes);
    return entry.version;
  }

  async #fetchOci(
    url: string,
    known: HelmRepositoryObject | undefined,
    name: string,
    range: string,
    tarball: string,
  ): Promise<string> {
    const ref = ociChartReference(url, name);
    const registry = await registryClientFor(
      this.#options.client,
      {
        namespace: this.#options.namespace,
        secretRef: known?.spec.secretRef,
        certSecretRef: known?.spec.certSecretRef,
        insecure: known?.spec.insecure,
        basicAuthSecret: true,
      },
      ref,
      this.#options.signal,
    );
    try {
      const chosen = await resolveOciChart(registry, ref, name, range);
      await downloadOciChart(registry, ref, chosen.digest, tarball, this.#options.limits.maxChartBytes);
      return chosen.version;
    } finally {
      registry.close();
    }
  }
}
