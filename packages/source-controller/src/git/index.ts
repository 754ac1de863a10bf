export {
  type CheckoutOptions,
  type CheckoutResult,
  checkout,
  fetchSource,
  type GitSourceOptions,
  remoteRevision,
  type SourceResult,
} from './checkout.ts';
export {
  defaultBranch,
  formatRevision,
  type GitReference,
  type ResolvedReference,
  revisionCommit,
} from './reference.ts';
