// Moved to @weft/git; kept so src/gitrepository's imports hold until they import @weft/git.
export { defaultFetchLimits, type FetchLimits } from '@weft/git';
