export {
  addKustomizeController,
  type KustomizeController,
  type KustomizeControllerOptions,
} from './controller.ts';
export { type KustomizeControllerFlags, parseKustomizeControllerFlags } from './flags.ts';
export { GenerateError, prepareKustomization, scanResources } from './generate.ts';
export { FieldManager, KustomizationReconciler, type KustomizationReconcilerOptions } from './reconciler.ts';
export { checkVariableNames, SubstituteError, substituteObjects, substituteText } from './substitute.ts';
export type { KustomizationObject } from './types.ts';
