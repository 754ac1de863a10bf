/**
 * Adds image-automation-controller to a runtime Manager: the reflector half (ImageRepository,
 * ImagePolicy: src/reflector) and the automation half (ImageUpdateAutomation: src/automation),
 * over the manager's one cache.
 */
import type { Manager } from '@weft/runtime/manager';
import { type AutomationOptions, addAutomation } from './automation/controller.ts';
import { addReflector, type Reflector, type ReflectorOptions } from './reflector/controller.ts';

export const controllerName = 'image-automation-controller';

export interface ImageAutomationControllerOptions {
  reflector?: ReflectorOptions;
  automation?: AutomationOptions;
}

export interface ImageAutomationController {
  reflector: Reflector;
}

/** Registers image-automation-controller with a manager (before `manager.start()`). */
export function addImageAutomationController(
  manager: Manager,
  options: ImageAutomationControllerOptions = {},
): ImageAutomationController {
  const reflector = addReflector(manager, options.reflector ?? {});
  addAutomation(manager, options.automation ?? {});
  return { reflector };
}
