// What ResourceManager.wait throws, here so that a caller need not load ../health (and CEL).
export { HealthCheckError } from '../health/wait.ts';
export {
  isUnchangedByApply,
  sameObject,
} from './compare.ts';
export {
  ApplyError,
  type ObjectError,
} from './errors.ts';
export { JsonPointerError, parseJsonPointer, withIgnoredFields } from './ignore.ts';
export {
  diffInventory,
  formatObjectId,
  type Inventory,
  type InventoryEntry,
  inventoryOf,
  type ObjectIdParts,
  objectId,
  parseObjectId,
  refFromEntry,
} from './inventory.ts';
export { ResourceManager } from './manager.ts';
export { mapLimit } from './map-limit.ts';
export {
  isCrd,
  kindsDefinedBy,
  Stage,
  stageOf,
} from './stages.ts';
export {
  LastAppliedAnnotation,
  takeoverPatch,
  unionFields,
} from './takeover.ts';
export {
  Action,
  type ApplyAllOptions,
  type ApplyPlan,
  type ApplyResult,
  type ChangeSetEntry,
  type PruneOptions,
  type ResourceManagerOptions,
} from './types.ts';
export {
  DeletionTimeoutError,
  type DeletionWaitOptions,
  waitForDeletion,
} from './wait.ts';
