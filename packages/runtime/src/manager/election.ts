/**
 * The manager's leader election: a LeaderElector on the lease the flags name
 * (`--leader-election-*`), logging who leads. What leading starts and losing it stops is the
 * manager's; this file only wires the elector.
 */
import type { Logger } from '../log/logger.ts';
import type { Scheduler } from '../queue/scheduler.ts';
import type { RuntimeFlags } from './flags.ts';
import { LeaderElector, type LeaseStore } from './leader-election.ts';

export interface ManagerElectionOptions {
  flags: RuntimeFlags;
  store: LeaseStore;
  identity: string;
  logger: Logger;
  scheduler?: Scheduler | undefined;
  random?: (() => number) | undefined;
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

export function managerElector(options: ManagerElectionOptions): LeaderElector {
  const { flags, store, identity, logger } = options;
  return new LeaderElector({
    store,
    identity,
    leaseDurationMs: flags.leaseDurationMs,
    renewDeadlineMs: flags.renewDeadlineMs,
    retryPeriodMs: flags.retryPeriodMs,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...(options.random ? { random: options.random } : {}),
    onStartedLeading: () => {
      logger.info({ lease: store.description, identity }, 'became leader');
      options.onStartedLeading();
    },
    onStoppedLeading: () => options.onStoppedLeading(),
    onNewLeader: (leader) => {
      if (leader !== identity) logger.info({ lease: store.description, leader }, 'new leader elected');
    },
    onError: (error) => logger.debug({ err: error, lease: store.description }, 'lease round failed'),
  });
}
