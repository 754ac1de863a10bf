/**
 * Flux's kustomize-controller for the side-by-side run: v1.9.6 (Flux 2.9), built from the Go
 * module proxy on first use into ~/.cache/weft/flux/ by @weft/e2e's Flux builder. Pinned, and
 * never part of CI.
 *
 * It needs its Kustomization CRD (from its module's config/crd/bases) and source-controller's
 * CRDs (GitRepository, OCIRepository, Bucket, ExternalArtifact: it watches them all), from
 * source-controller's module of the same Flux release (downloaded, not built). No Flux
 * source-controller runs: the benchmark serves the artifact itself and writes the GitRepository's
 * status, as it does for weft.
 */
import { buildFluxController, fluxBinaryPath, fluxBuilds, fluxCrdFiles, readFluxCrds } from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';

const kustomizeBuild = fluxBuilds['kustomize-controller'];
const sourceBuild = fluxBuilds['source-controller'];

export const fluxVersions = {
  kustomizeController: kustomizeBuild.version,
  sourceController: sourceBuild.version,
} as const;

export const fluxBinary = fluxBinaryPath(kustomizeBuild);

/** Builds Flux's kustomize-controller when it is not in the cache yet; returns its path. */
export async function ensureFluxBinary(log: (line: string) => void): Promise<string> {
  return (await buildFluxController(kustomizeBuild, log)).binary;
}

/** Flux's CRDs the controller needs: its Kustomization and every source kind it watches. */
export async function fluxCrds(): Promise<KubeObject[]> {
  const files = [...(await fluxCrdFiles(kustomizeBuild)), ...(await fluxCrdFiles(sourceBuild))];
  return (await readFluxCrds(files)) as unknown as KubeObject[];
}

/** Flux's flags for an out-of-cluster run beside weft's, with the same concurrency. */
export function fluxArgs(options: { metricsPort: number; healthPort: number; concurrent: string }): string[] {
  return [
    `--metrics-addr=127.0.0.1:${options.metricsPort}`,
    `--health-addr=127.0.0.1:${options.healthPort}`,
    '--enable-leader-election=false',
    '--watch-all-namespaces=true',
    `--concurrent=${options.concurrent}`,
    '--log-level=error',
    '--events-addr=',
  ];
}
