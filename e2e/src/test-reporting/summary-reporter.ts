/**
 * A node:test reporter that writes one JSON line to its destination: the counts
 * ({passed, failed, skipped}) and, for each failed test, its full name (suites included), where
 * it is and its error's message. Every package's test script writes one, and `e2e/run` adds
 * them up into the closing lines a person (and CI) reads after turbo's interleaved output, the
 * failures named there: a CI log cut short or grouped out of order still says what failed.
 */
import { resolve } from 'node:path';

export interface TestFailure {
  /** The test's name, after its suites' names (`suite > test`). */
  name: string;
  /** `file:line:column` of the test, the file's path absolute. */
  location: string;
  /** The error's message (the assertion's, for a failed assertion), cut to `messageLimit`. */
  message: string;
}

export interface TestSummary {
  passed: number;
  failed: number;
  skipped: number;
  failures?: TestFailure[];
}

interface TestEventData {
  name?: string;
  message?: string;
  nesting?: number;
  file?: string;
  line?: number;
  column?: number;
  details?: { type?: string; error?: unknown };
  skip?: unknown;
  todo?: unknown;
}

/** Enough to read an assertion's diff; a whole log pasted into an error is cut. */
const messageLimit = 2000;
const cut = (message: string) =>
  message.length > messageLimit ? `${message.slice(0, messageLimit)}…` : message;
const lateActivity = /generated asynchronous activity after the test ended/;

interface FailureError {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  failureType?: unknown;
  exitCode?: unknown;
  signal?: unknown;
}

/**
 * The message that says what went wrong: node:test wraps the thrown error as the cause of an
 * ERR_TEST_FAILURE, and says when it was a hook (before/after) or the file's process that failed.
 */
export function failureMessage(error: unknown): string {
  const wrapper = (error ?? {}) as FailureError;
  const parts: string[] = [];
  if (wrapper.failureType === 'hookFailed') parts.push('a hook (before/after) failed');
  if (typeof wrapper.exitCode === 'number' || typeof wrapper.signal === 'string')
    parts.push(
      `the test file's process exited with code ${String(wrapper.exitCode)}, signal ${String(wrapper.signal)}`,
    );
  let current: unknown = error;
  while ((current as FailureError | undefined)?.code === 'ERR_TEST_FAILURE') {
    current = (current as FailureError).cause;
  }
  const inner = current as FailureError | undefined;
  const text =
    inner !== null && typeof inner === 'object'
      ? typeof inner.message === 'string'
        ? inner.message
        : ''
      : String(current ?? '');
  if (text) parts.push(text);
  return cut(parts.join(': ') || 'no message');
}

export default async function* summaryReporter(
  source: AsyncIterable<{ type: string; data: TestEventData }>,
): AsyncGenerator<string> {
  const summary: Required<TestSummary> = { passed: 0, failed: 0, skipped: 0, failures: [] };
  // The names of the suites and tests open at each nesting level, per file (files run one at a
  // time or not, each file's events come in order).
  const open = new Map<string, string[]>();
  // What node:test says only as a diagnostic line: an error thrown or a promise rejected after
  // its test or hook ended. It fails the file's process (a failure named after the file, all its
  // tests passed), and that failure's own message is just "test failed".
  const late = new Map<string, string[]>();
  for await (const event of source) {
    const { data } = event;
    if (event.type === 'test:diagnostic') {
      if (data.file && data.message && lateActivity.test(data.message))
        late.set(data.file, [...(late.get(data.file) ?? []), data.message]);
      continue;
    }
    const path = open.get(data.file ?? '') ?? [];
    open.set(data.file ?? '', path);
    if (event.type === 'test:start') {
      path.length = data.nesting ?? 0;
      path.push(data.name ?? '');
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (data.details?.type === 'suite') continue;
    if (data.skip !== undefined || data.todo !== undefined) summary.skipped++;
    else if (event.type === 'test:pass') summary.passed++;
    else {
      summary.failed++;
      const ancestors = path.slice(0, data.nesting ?? 0);
      const fileLevel = (data.nesting ?? 0) === 0 ? (late.get(data.file ?? '') ?? []) : [];
      summary.failures.push({
        name: [...ancestors, data.name ?? ''].join(' > '),
        location: `${data.file ? resolve(data.file) : '?'}:${data.line ?? 0}:${data.column ?? 0}`,
        message: cut([failureMessage(data.details?.error), ...fileLevel].join('\n')),
      });
    }
  }
  yield `${JSON.stringify(summary)}\n`;
}
