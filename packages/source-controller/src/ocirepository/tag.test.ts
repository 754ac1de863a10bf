import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectSemverTag } from './tag.ts';

const tags = ['latest', 'v1.0.0', '1.2.0', 'v1.10.1', '2.0.0-rc.1', '2.0.0', 'prod-1.5.0', 'garbage'];

test('picks the newest version inside the range, v prefix or not', () => {
  assert.equal(selectSemverTag(tags, '1.x', undefined), 'v1.10.1');
  assert.equal(selectSemverTag(tags, '>=1.0.0', undefined), '2.0.0');
  assert.equal(selectSemverTag(tags, '<1.1.0', undefined), 'v1.0.0');
  assert.equal(selectSemverTag(tags, '>=3.0.0', undefined), undefined);
});

test('pre-releases only when the range asks for them', () => {
  assert.equal(selectSemverTag(['2.0.0-rc.1', '1.0.0'], '>=1.0.0', undefined), '1.0.0');
  assert.equal(selectSemverTag(['2.0.0-rc.1', '1.0.0'], '>=2.0.0-rc.0', undefined), '2.0.0-rc.1');
});

test('semverFilter narrows the tags first; bad input is a clear error', () => {
  assert.equal(selectSemverTag(['1.2.0', '1.9.0', '1.5.0'], '1.x', '^1\\.[0-5]\\.'), '1.5.0');
  assert.throws(
    () => selectSemverTag(tags, 'not a range', undefined),
    /spec.ref.semver "not a range" is not a valid SemVer range/,
  );
  assert.throws(
    () => selectSemverTag(tags, '1.x', '('),
    /spec.ref.semverFilter "\(" is not a valid regular expression/,
  );
});
