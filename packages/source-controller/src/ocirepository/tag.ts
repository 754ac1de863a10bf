import semver from 'semver';

/** A SemVer range or filter the user gave that cannot be used: the object is stalled until fixed. */
export class InvalidRefError extends Error {
  override name = 'InvalidRefError';
}

/**
 * The newest tag that is a semantic version (a leading `v` allowed, as Flux's Masterminds parser
 * does) inside `range`, among the tags matching `filter` when given; undefined when none does.
 * Pre-releases count only when the range names one, as both semver libraries agree.
 */
export function selectSemverTag(
  tags: readonly string[],
  range: string,
  filter: string | undefined,
): string | undefined {
  const parsedRange = semver.validRange(range);
  if (parsedRange === null)
    throw new InvalidRefError(`spec.ref.semver "${range}" is not a valid SemVer range`);
  let pattern: RegExp | undefined;
  if (filter !== undefined) {
    try {
      pattern = new RegExp(filter);
    } catch (error) {
      throw new InvalidRefError(
        `spec.ref.semverFilter "${filter}" is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  }
  let best: { tag: string; version: semver.SemVer } | undefined;
  for (const tag of tags) {
    if (pattern && !pattern.test(tag)) continue;
    const version = semver.parse(tag.startsWith('v') ? tag.slice(1) : tag);
    if (!version || !semver.satisfies(version, parsedRange)) continue;
    if (!best || semver.gt(version, best.version)) best = { tag, version };
  }
  return best?.tag;
}
