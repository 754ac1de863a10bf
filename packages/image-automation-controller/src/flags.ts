/** image-automation-controller's flags: the shared runtime flags plus its own. */
import { parseFlags, type RuntimeFlags } from '@weft/runtime/manager';
import type { AutomationOptions } from './automation/controller.ts';
import type { ReflectorOptions } from './reflector/controller.ts';

export interface ImageAutomationFlags {
  runtime: RuntimeFlags;
  reflector: ReflectorOptions;
  automation: AutomationOptions;
}

const extra = {
  // Flux's image-reflector-controller flags.
  'storage-path': { type: 'string', default: '/data' },
  'no-cross-namespace-refs': { type: 'boolean', default: false },
  // Ours: Git checkouts ImageUpdateAutomation keeps between runs (one per repository URL and branch).
  'max-git-checkouts': { type: 'string', default: '32' },
} as const;

export function parseImageAutomationFlags(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): ImageAutomationFlags {
  const { runtime, values } = parseFlags(argv, { name: 'image-automation-controller', env, extra });
  const storagePath =
    typeof values['storage-path'] === 'string' && values['storage-path'] ? values['storage-path'] : '/data';
  const noCrossNamespaceRefs = values['no-cross-namespace-refs'] === true;
  const maxCheckouts = Number(values['max-git-checkouts'] ?? '32');
  if (!Number.isInteger(maxCheckouts) || maxCheckouts < 1) {
    throw new Error(
      `--max-git-checkouts=${String(values['max-git-checkouts'])}: want a whole number of at least 1`,
    );
  }
  return {
    runtime,
    reflector: { storagePath, noCrossNamespaceRefs },
    automation: { noCrossNamespaceRefs, maxCheckouts },
  };
}
