/**
 * Flux's helm-controller and source-controller for the side-by-side run (never part of CI or
 * setup), built from the Go module proxy on first use by @weft/e2e's Flux builder into
 * `${WEFT_CACHE_DIR:-~/.cache/weft}/flux/<name>-<version>/`: helm-controller v1.6.4 (the newest
 * v1.6 the proxy serves; Flux 2.9's line, built against source-controller/api v1.9) and the
 * source-controller source-controller's own benchmark uses. The CRDs come from both modules'
 * config/crd/bases.
 *
 *   node bench/flux/build.ts     builds both (if needed) and prints the binaries' paths
 */
import { buildFluxController, fluxBuilds, readFluxCrds } from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';

export const fluxHelmControllerVersion = fluxBuilds['helm-controller'].version;

export interface FluxControllers {
  helmController: string;
  sourceController: string;
  /** HelmRelease (helm.toolkit.fluxcd.io) and every source.toolkit.fluxcd.io kind. */
  crds: KubeObject[];
}

/** Builds what is missing and returns both binaries and their CRDs. */
export async function fluxControllers(log: (line: string) => void = () => {}): Promise<FluxControllers> {
  // One after the other: two Go builds at once only compete for the same cores.
  const helm = await buildFluxController(fluxBuilds['helm-controller'], log);
  const source = await buildFluxController(fluxBuilds['source-controller'], log);
  return {
    helmController: helm.binary,
    sourceController: source.binary,
    crds: (await readFluxCrds([...helm.crdFiles, ...source.crdFiles])) as unknown as KubeObject[],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await fluxControllers((line) => console.error(line));
  console.log(built.helmController);
  console.log(built.sourceController);
  console.log(`${built.crds.length} CRDs`);
}
