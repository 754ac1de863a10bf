/**
 * When an ImageRepository is scanned, and what a scan keeps: Flux's `shouldScan` and exclusion
 * rules, pure so they are tested without a registry.
 */
import type { ImageRepositorySpec, ImageRepositoryStatus } from '@weft/api';
import { StalledError } from '@weft/runtime/reconcile';
import { ImageReason } from './reasons.ts';
import { compileRegexp, type Pattern } from './regexp.ts';
import type { TagList } from './tag-store.ts';

/** Flux's default, used when the list is empty (the CRD fills it in when the field is absent). */
export const defaultExclusionList = ['^.*\\.sig$'];
/** Tags shown in `status.lastScanResult.latestTags`, as Flux. */
export const latestTagsCount = 10;

export function exclusionListOf(spec: Pick<ImageRepositorySpec, 'exclusionList'>): string[] {
  return spec.exclusionList && spec.exclusionList.length > 0 ? [...spec.exclusionList] : defaultExclusionList;
}

/** The exclusion patterns compiled; a bad one stalls the object naming it. */
export function compileExclusionList(patterns: readonly string[]): Pattern[] {
  return patterns.map((pattern, index) => {
    try {
      return compileRegexp(pattern);
    } catch (error) {
      throw new StalledError(
        ImageReason.InvalidExclusionList,
        `spec.exclusionList[${index}] ${(error as Error).message}`,
      );
    }
  });
}

export function excludeTags(tags: readonly string[], exclusions: readonly Pattern[]): string[] {
  return tags.filter((tag) => !exclusions.some((pattern) => pattern.test(tag)));
}

/** The first `latestTagsCount` tags in descending alphabetical order, as Flux shows them. */
export function latestTags(sortedTags: readonly string[]): string[] {
  return sortedTags.slice(-latestTagsCount).reverse();
}

export type ScanDecision = { scan: true; reason: string } | { scan: false; dueInMs: number };

/**
 * Scan now when never scanned, asked to (`reconcile.weft.dev/requestedAt`), the image or the
 * exclusion list changed, the stored list is missing or not the one the status names, or the
 * interval since the last scan has passed; else say when the next scan is due. This is what lets a
 * restarted controller leave every repository alone until its own interval is up.
 */
export function scanDecision(input: {
  status: ImageRepositoryStatus | undefined;
  requestedAt: string | undefined;
  canonicalImageName: string;
  exclusionList: readonly string[];
  stored: TagList | undefined;
  intervalMs: number;
  now: Date;
}): ScanDecision {
  const { status, stored } = input;
  const last = status?.lastScanResult;
  if (!last?.scanTime) return { scan: true, reason: 'never scanned' };
  if (input.requestedAt !== undefined && input.requestedAt !== status?.lastHandledReconcileAt)
    return { scan: true, reason: 'reconcile requested' };
  if (status?.canonicalImageName !== input.canonicalImageName)
    return { scan: true, reason: 'new image name' };
  const observed = status?.observedExclusionList ?? [];
  if (observed.length !== input.exclusionList.length || observed.some((p, i) => p !== input.exclusionList[i]))
    return { scan: true, reason: 'exclusion list changed' };
  if (!stored || stored.revision !== last.revision || stored.canonicalImageName !== input.canonicalImageName)
    return { scan: true, reason: 'no stored tags for the last scan' };
  const dueInMs = Date.parse(last.scanTime) + input.intervalMs - input.now.getTime();
  if (!(dueInMs >= 1000)) return { scan: true, reason: 'interval elapsed' };
  return { scan: false, dueInMs };
}
