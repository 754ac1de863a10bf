export { ObjectCache } from './cache.ts';
export {
  type AddHandler,
  type DeleteHandler,
  type ErrorHandler,
  Informer,
  type InformerOptions,
  type InformerStats,
  type ListWatcher,
  stripManagedFields,
  type UpdateHandler,
} from './informer.ts';
