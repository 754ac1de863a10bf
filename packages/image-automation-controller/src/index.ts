export { type AutomationController, type AutomationOptions, addAutomation } from './automation/controller.ts';
export {
  addImageAutomationController,
  controllerName,
  type ImageAutomationControllerOptions,
} from './controller.ts';
export { type ImageAutomationFlags, parseImageAutomationFlags } from './flags.ts';
