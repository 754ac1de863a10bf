/**
 * A node:test reporter that writes one JSON line of counts ({passed, failed, skipped}) to its
 * destination. Every package's test script writes one, and `e2e/run` adds them up into the one
 * closing line a person (and CI) reads after turbo's interleaved output.
 */
interface TestEventData {
  details?: { type?: string };
  skip?: unknown;
  todo?: unknown;
}

export default async function* summaryReporter(
  source: AsyncIterable<{ type: string; data: TestEventData }>,
): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    if (event.data.skip !== undefined || event.data.todo !== undefined) skipped++;
    else if (event.type === 'test:pass') passed++;
    else failed++;
  }
  yield `${JSON.stringify({ passed, failed, skipped })}\n`;
}
