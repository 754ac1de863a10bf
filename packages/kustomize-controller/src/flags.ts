/** kustomize-controller's own flags, on top of the runtime's shared ones. */
import { FlagError, type ParsedFlags, parseDuration, parseFlags, type RuntimeFlags } from '@weft/runtime';

export interface KustomizeControllerFlags {
  runtime: RuntimeFlags;
  noCrossNamespaceRefs: boolean;
  defaultServiceAccount: string | undefined;
  /** `--feature-gates=StrictPostBuildSubstitutions=true`, as Flux. */
  strictSubstitution: boolean;
  requeueDependencyMs: number;
}

const extra = {
  // Registered as its positive form: node's parseArgs (allowNegative) reads `--no-x` as x=false.
  'cross-namespace-refs': { type: 'boolean', default: true },
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
  // Go-style `--no-cross-namespace-refs=true|false` → parseArgs' negation of the positive flag.
  const args = argv.map((arg) => {
    const match = /^--?no-cross-namespace-refs(?:=(true|false))?$/.exec(arg);
    if (!match) return arg;
    return match[1] === 'false' ? '--cross-namespace-refs' : '--no-cross-namespace-refs';
  });
  const parsed: ParsedFlags = parseFlags(args, {
    extra,
    name: 'kustomize-controller',
    ...(env ? { env } : {}),
  });
  const { values } = parsed;
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  let requeueDependencyMs: number;
  try {
    requeueDependencyMs = parseDuration(str('requeue-dependency') ?? '30s');
  } catch (error) {
    throw new FlagError('requeue-dependency', error instanceof Error ? error.message : String(error));
  }
  return {
    runtime: parsed.runtime,
    noCrossNamespaceRefs: values['cross-namespace-refs'] === false,
    defaultServiceAccount: str('default-service-account') || undefined,
    strictSubstitution: featureGates(str('feature-gates')).get('StrictPostBuildSubstitutions') === true,
    requeueDependencyMs,
  };
}
