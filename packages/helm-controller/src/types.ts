import type { HelmReleaseSpec, HelmReleaseStatus } from '@weft/api';
import type { KubeObject } from '@weft/runtime/client';

/** A HelmRelease as the runtime's client and cache hold it. */
export type HelmReleaseObject = KubeObject & { spec: HelmReleaseSpec; status?: HelmReleaseStatus };
