/**
 * A controller run in-process by a test: its Manager logs nothing (debug with WEFT_TEST_LOG=1, or
 * into the test's own destination) and registers no process metrics, so several managers can
 * run in one test process. The test passes flags that turn the probe and metrics servers off
 * (`--metrics-addr=0 --health-addr=0`).
 */
import type { KubeConfigLike } from '../client/kubeconfig.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { RuntimeFlags } from '../manager/flags.ts';
import { Manager } from '../manager/manager.ts';

/** Silent unless WEFT_TEST_LOG=1; at debug level into `destination` when one is given. */
export function testLogger(destination?: { write(text: string): void }): Logger {
  return destination
    ? createLogger({ level: 'debug', destination })
    : createLogger({ level: process.env.WEFT_TEST_LOG === '1' ? 'debug' : 'silent' });
}

export interface TestManagerOptions {
  name: string;
  flags: RuntimeFlags;
  kubeConfig: KubeConfigLike;
  /** Receives the controller's logs at debug level (default: `testLogger()`). */
  logDestination?: { write(text: string): void } | undefined;
}

export function testManager(options: TestManagerOptions): Manager {
  return new Manager({
    name: options.name,
    flags: options.flags,
    kubeConfig: options.kubeConfig,
    logger: testLogger(options.logDestination),
    processMetrics: false,
  });
}
