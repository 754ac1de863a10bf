import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compilePolicy,
  filterTags,
  InvalidPolicyError,
  PolicyError,
  parseLooseVersion,
  selectTag,
} from './policy.ts';
import { compileRegexp, expandTemplate } from './regexp.ts';

const tags = ['1.0.0', 'v1.2.0', '1.10.0', '2.0.0-rc.1', '1.9', 'latest', 'sha-abc'];

describe('semver', () => {
  test('picks the highest tag in the range, reading tags loosely as Masterminds does', () => {
    assert.equal(selectTag(tags, { policy: { semver: { range: '1.x' } } }).tag, '1.10.0');
    assert.equal(selectTag(tags, { policy: { semver: { range: '>=1.0.0 <1.5.0' } } }).tag, 'v1.2.0');
    assert.equal(selectTag(tags, { policy: { semver: { range: '>=1.0.0, <1.5.0' } } }).tag, 'v1.2.0');
    assert.equal(selectTag(tags, { policy: { semver: { range: '~1.9' } } }).tag, '1.9');
    assert.equal(selectTag(tags, { policy: { semver: { range: '*' } } }).tag, '1.10.0');
    assert.equal(parseLooseVersion('v1.9')?.version, '1.9.0');
    assert.equal(parseLooseVersion('latest'), undefined);
  });

  test('pre-releases count only when the range names one, then any inside it', () => {
    assert.equal(selectTag(tags, { policy: { semver: { range: '>=1.0.0' } } }).tag, '1.10.0');
    assert.equal(selectTag(tags, { policy: { semver: { range: '>=1.0.0-0' } } }).tag, '2.0.0-rc.1');
    assert.equal(
      selectTag(['1.2.0-rc.1', '1.3.0-rc.2', '1.3.0-rc.10', '1.2.0'], {
        filterTags: { pattern: '.*-rc.*' },
        policy: { semver: { range: '^1.x-0' } },
      }).tag,
      '1.3.0-rc.10',
    );
  });

  test('no match is no tag, and a bad range is an invalid policy', () => {
    assert.equal(selectTag(tags, { policy: { semver: { range: '>=3.0.0' } } }).tag, undefined);
    assert.throws(
      () => selectTag(tags, { policy: { semver: { range: 'not a range' } } }),
      InvalidPolicyError,
    );
  });
});

describe('alphabetical and numerical', () => {
  test('asc picks the last in ascending order, desc the first', () => {
    const dated = [
      'RELEASE.2024-01-02T00-00-00Z',
      'RELEASE.2023-12-31T00-00-00Z',
      'RELEASE.2024-01-10T00-00-00Z',
    ];
    assert.equal(selectTag(dated, { policy: { alphabetical: { order: 'asc' } } }).tag, dated[2]);
    assert.equal(selectTag(dated, { policy: { alphabetical: { order: 'desc' } } }).tag, dated[1]);
    assert.equal(selectTag(['9', '10', '2'], { policy: { alphabetical: {} } }).tag, '9');
  });

  test('numerical compares numbers, not strings, and refuses a non-number', () => {
    assert.equal(selectTag(['9', '10', '2', '1.5'], { policy: { numerical: { order: 'asc' } } }).tag, '10');
    assert.equal(selectTag(['9', '10', '2', '1.5'], { policy: { numerical: { order: 'desc' } } }).tag, '1.5');
    assert.throws(
      () => selectTag(['1', 'latest'], { policy: { numerical: { order: 'asc' } } }),
      (error: Error) => error instanceof PolicyError && /"latest" is not a number/.test(error.message),
    );
  });

  test('exactly one policy', () => {
    assert.throws(() => compilePolicy({}), /exactly one of semver, alphabetical, numerical \(got none\)/);
  });
});

describe('filterTags', () => {
  test('named groups in Go syntax, extract compared, the original tag returned', () => {
    const built = ['main-abc123-1700000100', 'main-def456-1700000050', 'dev-zzz-1800000000', 'v1'];
    const spec = {
      filterTags: { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)', extract: '$ts' },
      policy: { numerical: { order: 'asc' as const } },
    };
    assert.deepEqual(selectTag(built, spec), { tag: 'main-abc123-1700000100', considered: 2 });
    assert.deepEqual(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${name} template syntax, not JavaScript's
      [...filterTags(built, { pattern: '^(?P<branch>[a-z]+)-', extract: '${branch}!$$' }).keys()],
      ['main!$', 'dev!$'],
    );
  });

  test('template expansion follows Go: numbered groups, unknown names empty', () => {
    const groups = compileRegexp('(?P<a>x)(y)?').exec('x');
    assert.ok(groups);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${name} template syntax, not JavaScript's
    assert.equal(expandTemplate('$a-$1-$2-$nope-${a}-$9', groups), 'x-x---x-');
  });

  test('RE2 semantics: a pattern that backtracks exponentially in JavaScript runs in linear time', {
    timeout: 20_000,
  }, () => {
    const tags = Array.from({ length: 50 }, (_, i) => `${'a'.repeat(100)}${i}!`);
    const spec = { filterTags: { pattern: '^(a+)+$' }, policy: { alphabetical: {} } };
    assert.deepEqual(selectTag(tags, spec), { tag: undefined, considered: 0 });
  });

  test('a bad pattern is an invalid policy naming the field', () => {
    assert.throws(
      () => selectTag(['a'], { filterTags: { pattern: '(' }, policy: { alphabetical: {} } }),
      /spec.filterTags.pattern "\(" is not a valid regular expression/,
    );
    assert.equal(
      selectTag(['A1', 'a2'], { filterTags: { pattern: '(?i)^a' }, policy: { alphabetical: {} } }).considered,
      2,
    );
  });
});
