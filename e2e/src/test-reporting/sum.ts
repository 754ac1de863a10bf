// Adds up the .test-summary*.json files that the summary reporter wrote in every package and
// prints one closing line, "N passed, N failed, N skipped", after turbo's interleaved output,
// then each failed test's name, place and message (CI's log is long and grouped by package: the
// end of it names what failed). Exits 1 when a test failed or when no test ran at all.
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { TestFailure, TestSummary } from './summary-reporter.ts';

const root = process.argv[2] ?? process.cwd();
const files: string[] = [];
for (const area of ['packages', 'e2e']) {
  const entries = await readdir(join(root, area), { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && /^\.test-summary.*\.json$/.test(entry.name) && !path.includes('node_modules')) {
      files.push(path);
    }
  }
}
const total = { passed: 0, failed: 0, skipped: 0 };
const failures: TestFailure[] = [];
for (const file of files.sort()) {
  const counts = JSON.parse(await readFile(file, 'utf8')) as TestSummary;
  for (const failure of counts.failures ?? []) {
    const location = isAbsolute(failure.location) ? relative(root, failure.location) : failure.location;
    failures.push({ ...failure, location });
  }
  console.log(
    `  ${relative(root, file)}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
for (const failure of failures) {
  console.log(`\nFAILED ${failure.name} (${failure.location})`);
  for (const line of failure.message.trimEnd().split('\n')) console.log(`  ${line}`);
}
process.exitCode = total.failed > 0 || total.passed === 0 ? 1 : 0;
