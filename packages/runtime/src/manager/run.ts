/**
 * The one `run` of every controller executable (`src/run.ts` of each controller calls it): parse
 * the flags (a FlagError prints its message and exits 2), build the manager, let the controller
 * add itself, handle SIGTERM/SIGINT once, start.
 */
import type { RuntimeFlags } from './flags.ts';
import { FlagError } from './flags.ts';
import { loadKubeConfig, Manager, type ManagerOptions } from './manager.ts';

export interface ControllerMain<Config extends { runtime: RuntimeFlags }> {
  /** The controller's name, e.g. `kustomize-controller`: the manager's and the messages'. */
  name: string;
  /** The controller's `flags.ts`: its flags on top of the runtime's, as a typed config. */
  parseFlags(argv: readonly string[]): Config;
  /** The controller's `addXController(manager, config)`. */
  addController(manager: Manager, config: NoInfer<Config>): unknown;
}

export interface RunOptions {
  /** Defaults to `process.exit`. */
  exit?: (code: number) => never | void;
  stderr?: Pick<NodeJS.WriteStream, 'write'>;
  /** Passed to the Manager (tests give a logger or a kubeconfig). */
  manager?: Partial<ManagerOptions>;
}

/** Runs a controller process; resolves once the manager has started (or exited on bad flags). */
export async function runController<Config extends { runtime: RuntimeFlags }>(
  argv: readonly string[],
  main: ControllerMain<Config>,
  options: RunOptions = {},
): Promise<Manager | undefined> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let config: Config;
  try {
    config = main.parseFlags(argv);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    (options.stderr ?? process.stderr).write(`weft-${main.name}: ${error.message}\n`);
    exit(2);
    return undefined;
  }
  const manager = new Manager({
    name: main.name,
    flags: config.runtime,
    kubeConfig: options.manager?.kubeConfig ?? loadKubeConfig(config.runtime),
    exit,
    ...options.manager,
  });
  await main.addController(manager, config);
  manager.handleSignals();
  await manager.start();
  return manager;
}
