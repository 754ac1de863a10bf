import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StalledError } from '@weft/runtime/reconcile';
import { compileExclusionList, excludeTags, exclusionListOf, latestTags, scanDecision } from './scan.ts';
import { tagsRevision } from './tag-store.ts';

const tags = ['v1', 'v2'];
const stored = { canonicalImageName: 'r.io/app', revision: tagsRevision(tags), scanTime: '', tags };
const scanned = {
  canonicalImageName: 'r.io/app',
  observedExclusionList: ['^.*\\.sig$'],
  lastScanResult: { tagCount: 2, revision: stored.revision, scanTime: '2026-01-01T00:00:00Z' },
};
const base = {
  status: scanned,
  requestedAt: undefined,
  canonicalImageName: 'r.io/app',
  exclusionList: ['^.*\\.sig$'],
  stored,
  intervalMs: 600_000,
  now: new Date('2026-01-01T00:04:00Z'),
};

test('not due: the next scan is the rest of the interval since the last scan', () => {
  assert.deepEqual(scanDecision(base), { scan: false, dueInMs: 360_000 });
});

test('due when never scanned, asked, changed, the list is lost, or the interval passed', () => {
  const reason = (over: Partial<typeof base>) => {
    const decision = scanDecision({ ...base, ...over });
    return decision.scan ? decision.reason : 'not due';
  };
  assert.equal(reason({ status: undefined as never }), 'never scanned');
  assert.equal(reason({ requestedAt: 'now' as never }), 'reconcile requested');
  assert.equal(reason({ canonicalImageName: 'r.io/other' }), 'new image name');
  assert.equal(reason({ exclusionList: ['^x$'] }), 'exclusion list changed');
  assert.equal(reason({ stored: undefined as never }), 'no stored tags for the last scan');
  assert.equal(
    reason({ stored: { ...stored, revision: 'sha256:other' } }),
    'no stored tags for the last scan',
  );
  assert.equal(reason({ now: new Date('2026-01-01T00:09:59.500Z') }), 'interval elapsed');
});

test('exclusions: Flux default when empty, patterns applied, a bad one stalls naming it', () => {
  assert.deepEqual(exclusionListOf({ exclusionList: [] }), ['^.*\\.sig$']);
  const exclusions = compileExclusionList(exclusionListOf({}).concat('^.*\\.att$'));
  assert.deepEqual(excludeTags(['v1', 'sha256-abc.sig', 'sha256-abc.att', 'v1.sigx'], exclusions), [
    'v1',
    'v1.sigx',
  ]);
  assert.throws(
    () => compileExclusionList(['ok', '(']),
    (error: Error) => error instanceof StalledError && /spec.exclusionList\[1\] "\("/.test(error.message),
  );
});

test('latestTags: the first ten in descending order', () => {
  const many = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);
  assert.deepEqual(latestTags(many), ['t11', 't10', 't09', 't08', 't07', 't06', 't05', 't04', 't03', 't02']);
});
