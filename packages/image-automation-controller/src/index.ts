export { type AutomationController, type AutomationOptions, addAutomation } from './automation/controller.ts';
export {
  addImageAutomationController,
  controllerName,
  type ImageAutomationController,
  type ImageAutomationControllerOptions,
} from './controller.ts';
export { type ImageAutomationFlags, parseImageAutomationFlags } from './flags.ts';
export type { Reflector, ReflectorOptions } from './reflector/controller.ts';
export type { TagList, TagStore } from './reflector/tag-store.ts';
