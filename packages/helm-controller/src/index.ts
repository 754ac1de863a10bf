export { addHelmController, type HelmController, type HelmControllerOptions } from './controller.ts';
export { type HelmControllerFlags, parseHelmControllerFlags } from './flags.ts';
export { HelmCli, HelmCommandError } from './helm/cli.ts';
export { HelmRenderer, type TemplateRequest, type TemplateResult } from './helm/renderer.ts';
export { configDigest, decodeRelease, type HelmReleaseRecord, releaseHistory } from './helm/storage.ts';
export { HelmReleaseReason } from './reasons.ts';
export { FieldManager, HelmReleaseReconciler, type HelmReleaseReconcilerOptions } from './reconciler.ts';
export type { HelmReleaseObject } from './types.ts';
export { composeValues, mergeValues, parseTargetPath, ValuesError } from './values.ts';
