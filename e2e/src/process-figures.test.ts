import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import {
  childrenPeakRssMiB,
  formatSeconds,
  processFigures,
  processTree,
  treeCpuSeconds,
  treeMemoryMiB,
} from './process-figures.ts';

test('figures of this process, and of a child it runs', async () => {
  const own = await processFigures(process.pid);
  assert.ok(own.cpuSeconds > 0 && own.rssMiB > 1 && own.peakRssMiB >= own.rssMiB, JSON.stringify(own));
  // A child that spends 300 ms of CPU (however loaded the machine), says so, then waits to be killed.
  const spin =
    'const used = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };' +
    'while (used() < 300); console.log("spun"); setInterval(() => {}, 1000)';
  const child = spawn(process.execPath, ['-e', spin]);
  try {
    await once(child.stdout, 'data');
    assert.ok(child.pid !== undefined);
    assert.deepEqual([...(await processTree(child.pid))], [child.pid]);
    assert.ok((await processTree(process.pid)).has(child.pid));
    const cpu = await treeCpuSeconds(process.pid);
    assert.ok(cpu.children >= 0.25, `children's CPU ${cpu.children} s`);
    assert.ok((await childrenPeakRssMiB(process.pid)) > 1);
    const tree = await treeMemoryMiB(process.pid);
    assert.ok(tree.rss > own.rssMiB / 2 && tree.pss > 0 && tree.pss <= tree.rss, JSON.stringify(tree));
  } finally {
    child.kill();
    await once(child, 'exit');
  }
});

test('formatSeconds', () => {
  assert.equal(formatSeconds(1234), '1.2s');
  assert.equal(formatSeconds(125_000), '2m5.0s');
});
