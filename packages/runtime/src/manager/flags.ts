/**
 * The flags every weft controller shares, named as Flux's controllers name them so manifests
 * carry over. Values follow Go's flag package: `--name=value` or `--name value` (or one dash),
 * booleans as `--flag`, `--flag=true|false`; durations in Go syntax (`15s`, `1m30s`). Flags
 * named `no-…` (Flux's `--no-cross-namespace-refs`) are ordinary flags: `--no-x` is not `x=false`.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { errorMessage } from '../errors/index.ts';
import { type LogLevel, logLevels } from '../log/logger.ts';
import { parseDuration } from '../reconcile/duration.ts';

export interface RuntimeFlags {
  concurrent: number;
  watchLabelSelector: string | undefined;
  watchAllNamespaces: boolean;
  /** The namespace watched when `watchAllNamespaces` is false. */
  namespace: string;
  /** `host:port`, `:port`, or '' / '0' to disable. */
  metricsAddr: string;
  healthAddr: string;
  enableLeaderElection: boolean;
  leaderElectionId: string;
  leaderElectionNamespace: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  gracefulShutdownTimeoutMs: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  intervalJitterPercentage: number;
  logLevel: LogLevel;
  kubeconfig: string | undefined;
}

export class FlagError extends Error {
  override name = 'FlagError';
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`--${flag}: ${message}`);
    this.flag = flag;
  }
}

const runtimeOptions = {
  concurrent: { type: 'string', default: '4' },
  'watch-label-selector': { type: 'string' },
  'watch-all-namespaces': { type: 'boolean', default: true },
  namespace: { type: 'string' },
  'metrics-addr': { type: 'string', default: ':8080' },
  'health-addr': { type: 'string', default: ':9440' },
  'enable-leader-election': { type: 'boolean', default: false },
  'leader-election-id': { type: 'string' },
  'leader-election-namespace': { type: 'string' },
  'leader-election-lease-duration': { type: 'string', default: '15s' },
  'leader-election-renew-deadline': { type: 'string', default: '10s' },
  'leader-election-retry-period': { type: 'string', default: '2s' },
  'graceful-shutdown-timeout': { type: 'string', default: '30s' },
  'min-retry-delay': { type: 'string', default: '750ms' },
  'max-retry-delay': { type: 'string', default: '15m' },
  'interval-jitter-percentage': { type: 'string', default: '5' },
  'log-level': { type: 'string', default: 'info' },
  kubeconfig: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export interface ParsedFlags {
  runtime: RuntimeFlags;
  /** Values of the controller's own flags (`extra`), by flag name. */
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
}

/**
 * Go's flag syntax on top of node:util's parseArgs: `-flag` as `--flag`, and booleans as `--flag`,
 * `--flag=true` or `--flag=false` (the last occurrence wins). parseArgs runs without
 * `allowNegative`, so a flag registered as `no-x` is read as written, and `--no-x` is not a
 * negation of `x` (Go has no such syntax). Returns the arguments left for parseArgs and the
 * booleans set explicitly.
 */
function goBooleans(
  argv: readonly string[],
  known: Set<string>,
  booleans: Set<string>,
): { args: string[]; explicit: Map<string, boolean> } {
  const args: string[] = [];
  const explicit = new Map<string, boolean>();
  for (const raw of argv) {
    const single = /^-([^-=][^=]*)(=.*)?$/.exec(raw);
    const arg = single && known.has(single[1] ?? '') ? `-${raw}` : raw;
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    const name = match?.[1] ?? '';
    if (!match || !booleans.has(name)) {
      args.push(arg);
      continue;
    }
    const value = match[2];
    if (value === undefined || value === 'true') explicit.set(name, true);
    else if (value === 'false') explicit.set(name, false);
    else throw new FlagError(name, `want true or false, got "${value}"`);
  }
  return { args, explicit };
}

/** A positive integer flag; a bad one is a FlagError naming the flag. */
export function parsePositiveIntegerFlag(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new FlagError(flag, `must be a positive integer, got "${value}"`);
  return n;
}

/** A duration flag's value in milliseconds; a bad one is a FlagError naming the flag. */
export function parseDurationFlag(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new FlagError(flag, errorMessage(error));
  }
}

/**
 * Parses the shared flags plus a controller's own (`extra`). `env` supplies RUNTIME_NAMESPACE
 * (the pod's namespace, from the downward API) as the default namespace.
 */
export function parseFlags(
  argv: readonly string[],
  options: { extra?: ParseArgsOptionsConfig; env?: Record<string, string | undefined>; name?: string } = {},
): ParsedFlags {
  const config: ParseArgsOptionsConfig = { ...runtimeOptions, ...options.extra };
  const booleans = new Set(
    Object.entries(config)
      .filter(([, o]) => o.type === 'boolean')
      .map(([name]) => name),
  );
  let values: ParsedFlags['values'];
  try {
    const { args, explicit } = goBooleans(argv, new Set(Object.keys(config)), booleans);
    ({ values } = parseArgs({ args, options: config, strict: true, allowPositionals: false }));
    for (const [name, value] of explicit) values[name] = value;
  } catch (error) {
    if (error instanceof FlagError) throw error;
    // parseArgs says "Unknown option '--x'" or "Option '--x <value>' argument missing": name the flag.
    const message = errorMessage(error);
    const named = /'--?([^'\s=]+)/.exec(message)?.[1];
    if (named === undefined) throw new FlagError('?', message);
    throw new FlagError(named, /unknown option/i.test(message) ? 'not a flag of this controller' : message);
  }
  const str = (name: keyof typeof runtimeOptions): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const bool = (name: keyof typeof runtimeOptions): boolean => values[name] === true;
  // Every duration flag has its default in runtimeOptions, so parseArgs always gives a value.
  const duration = (name: keyof typeof runtimeOptions): number => parseDurationFlag(name, str(name) ?? '');
  const env = options.env ?? process.env;
  const namespace = str('namespace') ?? env.RUNTIME_NAMESPACE ?? 'weft-system';
  const logLevel = str('log-level') ?? 'info';
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new FlagError('log-level', `must be one of ${logLevels.join(', ')}, got "${logLevel}"`);
  }
  const jitter = Number(str('interval-jitter-percentage'));
  if (!Number.isFinite(jitter) || jitter < 0 || jitter >= 100) {
    throw new FlagError('interval-jitter-percentage', 'must be a number in [0, 100)');
  }
  const runtime: RuntimeFlags = {
    concurrent: parsePositiveIntegerFlag('concurrent', str('concurrent') ?? '4'),
    watchLabelSelector: str('watch-label-selector') || undefined,
    watchAllNamespaces: bool('watch-all-namespaces'),
    namespace,
    metricsAddr: str('metrics-addr') ?? '',
    healthAddr: str('health-addr') ?? '',
    enableLeaderElection: bool('enable-leader-election'),
    leaderElectionId: str('leader-election-id') ?? `${options.name ?? 'weft-controller'}-leader-election`,
    leaderElectionNamespace: str('leader-election-namespace') ?? namespace,
    leaseDurationMs: duration('leader-election-lease-duration'),
    renewDeadlineMs: duration('leader-election-renew-deadline'),
    retryPeriodMs: duration('leader-election-retry-period'),
    gracefulShutdownTimeoutMs: duration('graceful-shutdown-timeout'),
    minRetryDelayMs: duration('min-retry-delay'),
    maxRetryDelayMs: duration('max-retry-delay'),
    intervalJitterPercentage: jitter,
    logLevel: logLevel as LogLevel,
    kubeconfig: str('kubeconfig') ?? env.KUBECONFIG,
  };
  if (runtime.renewDeadlineMs >= runtime.leaseDurationMs) {
    throw new FlagError('leader-election-renew-deadline', 'must be shorter than the lease duration');
  }
  if (runtime.retryPeriodMs >= runtime.renewDeadlineMs) {
    throw new FlagError('leader-election-retry-period', 'must be shorter than the renew deadline');
  }
  if (runtime.minRetryDelayMs <= 0 || runtime.maxRetryDelayMs < runtime.minRetryDelayMs) {
    throw new FlagError('max-retry-delay', 'must be at least --min-retry-delay, which must be positive');
  }
  return { runtime, values };
}

/** The namespace informers watch: undefined for all namespaces. */
export function watchNamespace(flags: RuntimeFlags): string | undefined {
  return flags.watchAllNamespaces ? undefined : flags.namespace;
}

/**
 * The scope of the objects this instance owns: the watched namespace and `--watch-label-selector`
 * (its shard). The informers of a controller's own kinds use it, as Flux applies the selector to
 * every kind it reconciles; related kinds it only reads (sources, Secrets) are not sharded.
 */
export function shardScope(flags: RuntimeFlags): {
  namespace: string | undefined;
  labelSelector: string | undefined;
} {
  return { namespace: watchNamespace(flags), labelSelector: flags.watchLabelSelector };
}

/** Splits `host:port`, `:port`, `[::1]:port`; undefined when disabled ('' or '0'). */
export function parseAddress(addr: string): { host: string | undefined; port: number } | undefined {
  if (addr === '' || addr === '0') return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!match) throw new FlagError('addr', `"${addr}" is not host:port or :port`);
  const port = Number(match[3]);
  if (port > 65535) throw new FlagError('addr', `port out of range in "${addr}"`);
  const host = match[1] ?? (match[2] || undefined);
  return { host, port };
}
