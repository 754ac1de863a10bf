export {
  isUnchangedByApply,
  sameObject,
} from './compare.ts';
export {
  ApplyError,
  type ObjectError,
} from './errors.ts';
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
export {
  Action,
  type ApplyAllOptions,
  type ApplyPlan,
  type ApplyResult,
  type ChangeSetEntry,
  mapLimit,
  type PruneOptions,
  ResourceManager,
  type ResourceManagerOptions,
} from './manager.ts';
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
