/** source-controller's flags, on top of the runtime's shared ones. */
import { FlagError, parseDuration, parseFlags, type RuntimeFlags } from '@weft/runtime';

export const sourceControllerFlags = {
  'storage-path': { type: 'string', default: '/data' },
  'storage-addr': { type: 'string', default: ':9090' },
  'storage-adv-addr': { type: 'string' },
  'artifact-retention-records': { type: 'string', default: '2' },
  'artifact-retention-ttl': { type: 'string', default: '60s' },
} as const;

export interface SourceControllerConfig {
  runtime: RuntimeFlags;
  storagePath: string;
  /** `host:port` or `:port` the artifact server binds. */
  storageAddr: string;
  /** The address in artifact URLs; default the bound address. */
  storageAdvAddr: string | undefined;
  gc: { keep: number; ttlMs: number };
}

export function parseSourceControllerFlags(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): SourceControllerConfig {
  const { runtime, values } = parseFlags(argv, {
    extra: sourceControllerFlags,
    env,
    name: 'source-controller',
  });
  const text = (name: keyof typeof sourceControllerFlags) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const keep = Number(text('artifact-retention-records'));
  if (!Number.isInteger(keep) || keep < 1)
    throw new FlagError('artifact-retention-records', 'must be a positive integer');
  let ttlMs: number;
  try {
    ttlMs = parseDuration(text('artifact-retention-ttl') ?? '60s');
  } catch (error) {
    throw new FlagError('artifact-retention-ttl', error instanceof Error ? error.message : String(error));
  }
  return {
    runtime,
    storagePath: text('storage-path') ?? '/data',
    storageAddr: text('storage-addr') ?? ':9090',
    storageAdvAddr: text('storage-adv-addr'),
    gc: { keep, ttlMs },
  };
}
