/**
 * Flux's own source-controller, for side-by-side benchmarks (not part of CI): built from the Go
 * module proxy by @weft/e2e's Flux builder into
 * `${WEFT_CACHE_DIR:-~/.cache/weft}/flux/source-controller-<version>/` when absent. Its CRDs
 * come from the module's config/crd/bases.
 *   node bench/flux-source-controller.ts     builds it (if needed) and prints the binary's path
 */
import { type BuiltFluxController, buildFluxController, fluxBuilds } from '@weft/e2e';

/** The source-controller Flux 2.9 ships. */
export const fluxSourceControllerVersion = fluxBuilds['source-controller'].version;

export type FluxSourceController = BuiltFluxController;

/** Builds (once per version) and returns Flux's source-controller and its CRD files. */
export function fluxSourceController(log: (line: string) => void = () => {}): Promise<FluxSourceController> {
  return buildFluxController(fluxBuilds['source-controller'], log);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await fluxSourceController((line) => console.error(line));
  console.log(built.binary);
}
