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
  'helm-index-max-size': { type: 'string', default: String(50 * 1024 * 1024) },
  'helm-chart-max-size': { type: 'string', default: String(10 * 1024 * 1024) },
  'artifact-max-size': { type: 'string', default: String(1024 * 1024 * 1024) },
  'artifact-max-files': { type: 'string', default: '100000' },
} as const;

type SizeFlag = 'helm-index-max-size' | 'helm-chart-max-size' | 'artifact-max-size' | 'artifact-max-files';

/** The size caps on untrusted input, in bytes (and files). */
export interface SourceLimits {
  /** Largest Helm repository index (Flux's --helm-index-max-size, 50 MiB). */
  helmIndexMaxSize: number;
  /** Largest chart tarball, pulled or a dependency (Flux's --helm-chart-max-size, 10 MiB). */
  helmChartMaxSize: number;
  /** Largest OCI layer, bucket content and extracted artifact (1 GiB). */
  artifactMaxSize: number;
  /** Most files of an OCI layer or bucket (100,000). */
  artifactMaxFiles: number;
}

export interface SourceControllerConfig {
  runtime: RuntimeFlags;
  storagePath: string;
  /** `host:port` or `:port` the artifact server binds. */
  storageAddr: string;
  /** The address in artifact URLs; default the bound address. */
  storageAdvAddr: string | undefined;
  gc: { keep: number; ttlMs: number };
  limits: SourceLimits;
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
  const size = (name: SizeFlag) =>
    parsePositiveIntegerFlag(name, text(name) ?? sourceControllerFlags[name].default);
  return {
    runtime,
    storagePath: text('storage-path') ?? '/data',
    storageAddr: text('storage-addr') ?? ':9090',
    storageAdvAddr: text('storage-adv-addr'),
    gc: { keep, ttlMs },
    limits: {
      helmIndexMaxSize: size('helm-index-max-size'),
      helmChartMaxSize: size('helm-chart-max-size'),
      artifactMaxSize: size('artifact-max-size'),
      artifactMaxFiles: size('artifact-max-files'),
    },
  };
}
