/** image-automation-controller's flags: the shared runtime flags plus its own. */
import { parseFlags, type RuntimeFlags } from '@weft/runtime/manager';
import type { AutomationOptions } from './automation/controller.ts';
import type { ReflectorOptions } from './reflector/controller.ts';

export interface ImageAutomationFlags {
  runtime: RuntimeFlags;
  reflector: ReflectorOptions;
  automation: AutomationOptions;
}

export function parseImageAutomationFlags(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): ImageAutomationFlags {
  const { runtime } = parseFlags(argv, { name: 'image-automation-controller', env, extra: {} });
  return { runtime, reflector: {}, automation: {} };
}
