/**
 * The automation bench's profile: where each pushed run's time went, read from the controller's
 * `pushed` log lines (their PushTiming), one line per batch. Also on its own, for a kept log:
 *   node bench/automation-profile.ts <controller.log> <ISO time the policies were patched>
 */
import { readFile } from 'node:fs/promises';

/** Where each pushed run's time went, from the controller's `pushed` log lines (PushTiming). */
export function printProfile(log: string, startEpochMs: number): void {
  interface Pushed {
    at: number;
    queuedMs: number;
    syncMs: number;
    commitMs: number;
    pushMs: number;
    batchRuns: number;
  }
  const pushed: Pushed[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"pushed"')) continue;
    const entry = JSON.parse(line) as Omit<Pushed, 'at'> & { time: string };
    const at = Date.parse(entry.time);
    if (at >= startEpochMs) pushed.push({ ...entry, at });
  }
  if (pushed.length === 0) {
    console.log('  profile: no pushed log line');
    return;
  }
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  // The runs of one batch share its phases' times: one line per batch, in the order they ended.
  const batches = new Map<string, Pushed[]>();
  for (const run of pushed) {
    const key = `${run.batchRuns} ${run.syncMs} ${run.commitMs} ${run.pushMs}`;
    batches.set(key, [...(batches.get(key) ?? []), run]);
  }
  console.log(`  profile of ${pushed.length} pushed runs in ${batches.size} batches (controller log):`);
  for (const runs of [...batches.values()].sort(
    (a, b) => Math.max(...a.map((r) => r.at)) - Math.max(...b.map((r) => r.at)),
  )) {
    const first = runs[0] as Pushed;
    const submitted = runs.map((r) => r.at - startEpochMs - r.queuedMs - r.syncMs - r.commitMs - r.pushMs);
    console.log(
      `    ${first.batchRuns} runs: submitted +${seconds(Math.min(...submitted))}..+${seconds(Math.max(...submitted))}, queued p50 ${seconds(median(runs.map((r) => r.queuedMs)))}, fetch ${seconds(first.syncMs)}, commit ${seconds(first.commitMs)}, push ${seconds(first.pushMs)}, done +${seconds(Math.max(...runs.map((r) => r.at - startEpochMs)))}`,
    );
  }
}

if (import.meta.main) {
  printProfile(await readFile(process.argv[2] ?? '', 'utf8'), Date.parse(process.argv[3] ?? ''));
}
