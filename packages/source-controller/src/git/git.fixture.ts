/** What the git transport tests share: an assertion on the GitError a call must fail with. */
import assert from 'node:assert/strict';
import { GitError } from '@weft/git';

/** Awaits `promise`, which must reject with a GitError of `code` whose message matches `pattern`. */
export async function expectGitError(
  promise: Promise<unknown>,
  code: string,
  pattern: RegExp,
): Promise<GitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GitError, `want a GitError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail(`want a ${code} GitError, got success`);
}
