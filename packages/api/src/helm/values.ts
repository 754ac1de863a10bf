/**
 * Helm's rule for merging values: maps merge key by key, anything else (lists too) is replaced by
 * the later value. It is what HelmRelease's `valuesFrom` then `values`, HelmChart's
 * `valuesFiles` and the installation's chart values mean, so the API package holds it: the
 * controllers and `@weft/install` (which must not load controller code) share this one.
 */
import { isRecord } from '../record.ts';

/** Helm values: a decoded values file or `spec.values`. */
export type HelmValues = Record<string, unknown>;

/** `over` merged onto `base`; neither is modified. */
export function mergeValues(base: HelmValues, over: HelmValues): HelmValues {
  const merged: HelmValues = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isRecord(current) && isRecord(value) ? mergeValues(current, value) : value;
  }
  return merged;
}
