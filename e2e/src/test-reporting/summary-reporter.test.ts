import assert from 'node:assert/strict';
import { test } from 'node:test';
import summaryReporter, { failureMessage, type TestSummary } from './summary-reporter.ts';

async function summarise(events: { type: string; data: Record<string, unknown> }[]): Promise<TestSummary> {
  async function* source() {
    yield* events;
  }
  let line = '';
  for await (const chunk of summaryReporter(source())) line += chunk;
  return JSON.parse(line) as TestSummary;
}

test('counts tests, not suites, and names each failure with its suites, place and message', async () => {
  const file = '/repo/packages/p/test/a.test.ts';
  const assertion = Object.assign(new Error('one is not two'), { code: 'ERR_ASSERTION' });
  const summary = await summarise([
    { type: 'test:start', data: { file, nesting: 0, name: 'suite' } },
    { type: 'test:start', data: { file, nesting: 1, name: 'works' } },
    { type: 'test:pass', data: { file, nesting: 1, name: 'works', details: { type: 'test' } } },
    { type: 'test:start', data: { file, nesting: 1, name: 'breaks' } },
    {
      type: 'test:fail',
      data: {
        file,
        nesting: 1,
        name: 'breaks',
        line: 7,
        column: 3,
        details: { type: 'test', error: { code: 'ERR_TEST_FAILURE', cause: assertion } },
      },
    },
    { type: 'test:fail', data: { file, nesting: 0, name: 'suite', details: { type: 'suite' } } },
    { type: 'test:pass', data: { file, nesting: 0, name: 'later', skip: 'no server', details: {} } },
  ]);
  assert.deepEqual(summary, {
    passed: 1,
    failed: 1,
    skipped: 1,
    failures: [{ name: 'suite > breaks', location: `${file}:7:3`, message: 'one is not two' }],
  });
});

test('a failed hook and a test process that exited say so', () => {
  assert.equal(
    failureMessage({ code: 'ERR_TEST_FAILURE', failureType: 'hookFailed', cause: new Error('stop failed') }),
    'a hook (before/after) failed: stop failed',
  );
  assert.equal(
    failureMessage({ code: 'ERR_TEST_FAILURE', cause: 'test failed', exitCode: 1, signal: null }),
    "the test file's process exited with code 1, signal null: test failed",
  );
  assert.equal(failureMessage(new Error('x'.repeat(3000))).length, 2001);
});

test('a file failed by activity after its tests ended says what that activity threw', async () => {
  const file = '/repo/packages/p/test/b.test.ts';
  const late =
    'Error: Test "fine" at test/b.test.ts:2:1 generated asynchronous activity after the test ended. This activity created the error "Error: late" and would have caused the test to fail, but instead triggered an unhandledRejection event.';
  const summary = await summarise([
    { type: 'test:start', data: { file, nesting: 0, name: 'fine' } },
    { type: 'test:pass', data: { file, nesting: 0, name: 'fine', details: { type: 'test' } } },
    { type: 'test:diagnostic', data: { file, nesting: 0, message: late } },
    { type: 'test:diagnostic', data: { nesting: 0, message: 'tests 1' } },
    {
      type: 'test:fail',
      data: {
        file,
        nesting: 0,
        name: 'test/b.test.ts',
        line: 1,
        column: 1,
        details: { error: { code: 'ERR_TEST_FAILURE', cause: 'test failed', exitCode: 1, signal: null } },
      },
    },
  ]);
  assert.equal(summary.passed, 1);
  assert.deepEqual(summary.failures, [
    {
      name: 'test/b.test.ts',
      location: `${file}:1:1`,
      message: `the test file's process exited with code 1, signal null: test failed\n${late}`,
    },
  ]);
});
