import type { KustomizationSpec, KustomizationStatus } from '@weft/api';
import type { KubeObject } from '@weft/runtime/client';

/** A Kustomization as the runtime's client and cache hold it. */
export type KustomizationObject = KubeObject & { spec: KustomizationSpec; status?: KustomizationStatus };
