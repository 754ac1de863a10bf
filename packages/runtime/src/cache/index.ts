export { type IndexSource, ObjectIndex } from './object-index.ts';
export {
  type CacheEntry,
  type CacheInformerOptions,
  type CacheKind,
  type CacheScope,
  CacheScopeError,
  cacheKind,
  SharedCache,
} from './shared-cache.ts';
