/**
 * Whether a decoded JSON or YAML value is an object (not null, not a list). `@weft/runtime/client`
 * exports the same check for the controllers; `@weft/api` keeps this one because the runtime
 * depends on `@weft/api`, never the other way round. Internal: not exported from the package.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
