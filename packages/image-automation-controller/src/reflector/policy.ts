/**
 * The pure half of ImagePolicy: which tag of a list a policy picks. Flux's semantics: semver
 * (Masterminds constraints, highest match), alphabetical and numerical (`asc` picks the last in
 * ascending order, `desc` the first), after an optional `filterTags` regular expression whose
 * `extract` template gives the value compared instead of the tag.
 */
import type { ImagePolicySpec } from '@weft/api';
import semver from 'semver';
import { compileRegexp, expandTemplate, type Pattern } from './regexp.ts';

/** A spec that cannot be applied whatever the tags: the object is stalled until it changes. */
export class InvalidPolicyError extends Error {
  override name = 'InvalidPolicyError';
}

/** The tags do not allow a choice (a numerical policy over a non-number): retried at the next scan. */
export class PolicyError extends Error {
  override name = 'PolicyError';
}

type Choice = ImagePolicySpec['policy'];
type FilterTags = NonNullable<ImagePolicySpec['filterTags']>;

export interface Selection {
  /** The chosen tag, undefined when no tag qualifies. */
  tag: string | undefined;
  /** How many tags passed filterTags (all of them without a filter). */
  considered: number;
}

/** The tags that match `filter`, each under the value the policy compares (the extract, or itself). */
export function filterTags(tags: readonly string[], filter: FilterTags | undefined): Map<string, string> {
  const byValue = new Map<string, string>();
  if (!filter?.pattern) {
    for (const tag of tags) byValue.set(tag, tag);
    return byValue;
  }
  let pattern: Pattern;
  try {
    pattern = compileRegexp(filter.pattern);
  } catch (error) {
    throw new InvalidPolicyError(`spec.filterTags.pattern ${(error as Error).message}`);
  }
  for (const tag of tags) {
    const groups = pattern.exec(tag);
    if (!groups) continue;
    byValue.set(filter.extract ? expandTemplate(filter.extract, groups) : tag, tag);
  }
  return byValue;
}

// Masterminds' loose version syntax: a `v`, and one to three numbers.
const looseVersion =
  /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** A tag as Masterminds' `NewVersion` reads it (`v1.2` is 1.2.0), or undefined. */
export function parseLooseVersion(tag: string): semver.SemVer | undefined {
  const parts = looseVersion.exec(tag);
  if (!parts) return undefined;
  const [, major, minor = '0', patch = '0', pre = '', build = ''] = parts;
  return semver.parse(`${major}.${minor}.${patch}${pre}${build}`) ?? undefined;
}

interface CompiledRange {
  range: semver.Range;
  includePrerelease: boolean;
}

// A wildcard version with a pre-release (`1.x-0`), which Masterminds reads and node-semver does not.
const wildcardPrerelease = /(^|[\s|])([~^]|[<>]=?|=)?v?(\d+)\.(?:([xX*])|(\d+)\.[xX*])-([0-9A-Za-z.-]+)/g;

/** A Masterminds constraint as node-semver writes it. */
export function normalizeRange(text: string): string {
  // Masterminds joins with commas what node-semver joins with spaces.
  return text
    .replaceAll(',', ' ')
    .trim()
    .replace(
      wildcardPrerelease,
      (_all, lead: string, op: string | undefined, major: string, anyMinor, minor, pre: string) => {
        const operator = op ?? (anyMinor ? '^' : '~');
        return `${lead}${operator}${major}.${anyMinor ? '0' : minor}.0-${pre}`;
      },
    );
}

function compileRange(text: string): CompiledRange {
  const normalized = normalizeRange(text);
  const range = semver.validRange(normalized) === null ? undefined : new semver.Range(normalized);
  if (!range) throw new InvalidPolicyError(`spec.policy.semver.range "${text}" is not a valid SemVer range`);
  // Masterminds lets a range naming a pre-release match any pre-release inside it; node-semver
  // only those of the same major.minor.patch unless told to include them.
  const includePrerelease = range.set.some((comparators) =>
    comparators.some((c) => (c.semver.prerelease?.length ?? 0) > 0),
  );
  return {
    range: includePrerelease ? new semver.Range(normalized, { includePrerelease }) : range,
    includePrerelease,
  };
}

const numberPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

type Latest = (values: readonly string[]) => string | undefined;

/** The function that picks the latest of a list of values for a policy; throws InvalidPolicyError. */
export function compilePolicy(choice: Choice): Latest {
  const chosen = Object.keys(choice ?? {}).filter((key) => (choice as Record<string, unknown>)[key] != null);
  if (chosen.length !== 1)
    throw new InvalidPolicyError(
      `spec.policy must set exactly one of semver, alphabetical, numerical (got ${chosen.join(', ') || 'none'})`,
    );
  if (choice.semver) {
    const { range, includePrerelease } = compileRange(choice.semver.range);
    return (values) => {
      let best: { value: string; version: semver.SemVer } | undefined;
      for (const value of values) {
        const version = parseLooseVersion(value);
        if (!version || !semver.satisfies(version, range, { includePrerelease })) continue;
        if (!best || semver.gt(version, best.version)) best = { value, version };
      }
      return best?.value;
    };
  }
  if (choice.alphabetical) {
    const descending = choice.alphabetical.order === 'desc';
    return (values) => {
      let latest: string | undefined;
      for (const value of values)
        if (latest === undefined || (descending ? value <= latest : value >= latest)) latest = value;
      return latest;
    };
  }
  const descending = choice.numerical?.order === 'desc';
  return (values) => {
    let latest: { value: string; number: number } | undefined;
    for (const value of values) {
      if (!numberPattern.test(value))
        throw new PolicyError(
          `tag value "${value}" is not a number: add spec.filterTags to keep only numeric tags (or extract the number)`,
        );
      const number = Number(value);
      if (latest === undefined || (descending ? number < latest.number : number > latest.number))
        latest = { value, number };
    }
    return latest?.value;
  };
}

/** Applies filterTags then the policy: the tag chosen and how many were considered. */
export function selectTag(
  tags: readonly string[],
  spec: Pick<ImagePolicySpec, 'policy' | 'filterTags'>,
): Selection {
  const latest = compilePolicy(spec.policy);
  const byValue = filterTags(tags, spec.filterTags);
  const value = latest([...byValue.keys()]);
  return { tag: value === undefined ? undefined : byValue.get(value), considered: byValue.size };
}

/** What the policy asks for, in words for a message: `semver range '>=1.0'`. */
export function describePolicy(spec: Pick<ImagePolicySpec, 'policy' | 'filterTags'>): string {
  const { policy } = spec;
  const what = policy.semver
    ? `semver range '${policy.semver.range}'`
    : policy.alphabetical
      ? `alphabetical order ${policy.alphabetical.order ?? 'asc'}`
      : `numerical order ${policy.numerical?.order ?? 'asc'}`;
  return spec.filterTags?.pattern ? `${what} with filterTags pattern '${spec.filterTags.pattern}'` : what;
}
