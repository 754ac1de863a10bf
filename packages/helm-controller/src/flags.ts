/** helm-controller's own flags, on top of the runtime's shared ones. */
import {
  FlagError,
  type ParsedFlags,
  parseDurationFlag,
  parseFlags,
  type RuntimeFlags,
} from '@weft/runtime/manager';

export interface HelmControllerFlags {
  runtime: RuntimeFlags;
  /** The helm binary every action runs (v4; v3 works for the same commands). */
  helmBinary: string;
  /** The long-running renderer (`renderer/`); unset: one `helm template` process per render. */
  helmRendererPath: string | undefined;
  noCrossNamespaceRefs: boolean;
  /** ServiceAccount Helm acts as when a HelmRelease names none. */
  defaultServiceAccount: string | undefined;
  requeueDependencyMs: number;
  /** How installs and upgrades run: `template` (the controller's engine) or `binary`. */
  releaseEngine: 'template' | 'binary';
  /** `--kubeconfig` again, as addHelmController's option: the helm processes get the controller's. */
  kubeconfigPath: string | undefined;
}

const extra = {
  'helm-binary': { type: 'string', default: 'helm' },
  'helm-renderer-path': { type: 'string' },
  'no-cross-namespace-refs': { type: 'boolean', default: false },
  'default-service-account': { type: 'string' },
  'requeue-dependency': { type: 'string', default: '30s' },
  'release-engine': { type: 'string', default: 'template' },
} as const;

export function parseHelmControllerFlags(
  argv: readonly string[],
  env?: Record<string, string | undefined>,
): HelmControllerFlags {
  const parsed: ParsedFlags = parseFlags(argv, { extra, name: 'helm-controller', ...(env ? { env } : {}) });
  const { values } = parsed;
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const helmBinary = str('helm-binary') ?? 'helm';
  if (helmBinary === '') throw new FlagError('helm-binary', 'must name the helm binary');
  const requeueDependencyMs = parseDurationFlag('requeue-dependency', str('requeue-dependency') ?? '30s');
  const releaseEngine = str('release-engine') ?? 'template';
  if (releaseEngine !== 'template' && releaseEngine !== 'binary')
    throw new FlagError('release-engine', 'must be template or binary');
  return {
    runtime: parsed.runtime,
    releaseEngine,
    helmBinary,
    helmRendererPath: str('helm-renderer-path') || undefined,
    noCrossNamespaceRefs: values['no-cross-namespace-refs'] === true,
    defaultServiceAccount: str('default-service-account') || undefined,
    requeueDependencyMs,
    kubeconfigPath: parsed.runtime.kubeconfig,
  };
}
