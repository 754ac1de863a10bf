/** kustomize-controller's own flags, on top of the runtime's shared ones. */
import {
  FlagError,
  type ParsedFlags,
  parseDurationFlag,
  parseFlags,
  type RuntimeFlags,
} from '@weft/runtime/manager';

export interface KustomizeControllerFlags {
  runtime: RuntimeFlags;
  noCrossNamespaceRefs: boolean;
  defaultServiceAccount: string | undefined;
  /** `--feature-gates=StrictPostBuildSubstitutions=true`, as Flux. */
  strictSubstitution: boolean;
  requeueDependencyMs: number;
}

const extra = {
  'no-cross-namespace-refs': { type: 'boolean', default: false },
  'default-service-account': { type: 'string' },
  'feature-gates': { type: 'string' },
  'requeue-dependency': { type: 'string', default: '30s' },
} as const;

function featureGates(value: string | undefined): Map<string, boolean> {
  const gates = new Map<string, boolean>();
  for (const item of (value ?? '').split(',').filter(Boolean)) {
    const [name = '', setting = 'true'] = item.split('=');
    if (setting !== 'true' && setting !== 'false') {
      throw new FlagError('feature-gates', `${name}: want true or false, got "${setting}"`);
    }
    if (name !== 'StrictPostBuildSubstitutions')
      throw new FlagError('feature-gates', `unknown feature gate ${name}`);
    gates.set(name, setting === 'true');
  }
  return gates;
}

export function parseKustomizeControllerFlags(
  argv: readonly string[],
  env?: Record<string, string | undefined>,
): KustomizeControllerFlags {
  const parsed: ParsedFlags = parseFlags(argv, {
    extra,
    name: 'kustomize-controller',
    ...(env ? { env } : {}),
  });
  const { values } = parsed;
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const requeueDependencyMs = parseDurationFlag('requeue-dependency', str('requeue-dependency') ?? '30s');
  return {
    runtime: parsed.runtime,
    noCrossNamespaceRefs: values['no-cross-namespace-refs'] === true,
    defaultServiceAccount: str('default-service-account') || undefined,
    strictSubstitution: featureGates(str('feature-gates')).get('StrictPostBuildSubstitutions') === true,
    requeueDependencyMs,
  };
}
