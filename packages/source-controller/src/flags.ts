/** source-controller's flags, on top of the runtime's shared ones. */
import {
  parseDurationFlag,
  parseFlags,
  parsePositiveIntegerFlag,
  type RuntimeFlags,
} from '@weft/runtime/manager';

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
  const keep = parsePositiveIntegerFlag(
    'artifact-retention-records',
    text('artifact-retention-records') ?? '2',
  );
  const ttlMs = parseDurationFlag('artifact-retention-ttl', text('artifact-retention-ttl') ?? '60s');
  return {
    runtime,
    storagePath: text('storage-path') ?? '/data',
    storageAddr: text('storage-addr') ?? ':9090',
    storageAdvAddr: text('storage-adv-addr'),
    gc: { keep, ttlMs },
  };
}
