/**
 * SIGKILLs what `find` lists until it lists nothing, or throws after `timeoutMs` naming the
 * survivors. Processes that outlive their owner (containers, shims) are found again each round:
 * a process can appear while others die (a shim starting a last exec, say).
 */
export async function killUntilGone(
  what: string,
  find: () => Promise<number[]>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await find();
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    if (Date.now() > deadline) throw new Error(`${what}: processes ${pids.join(', ')} survive SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
