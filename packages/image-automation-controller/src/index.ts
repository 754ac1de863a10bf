export {
  addImageAutomationController,
  controllerName,
  type ImageAutomationControllerOptions,
} from './controller.ts';
export { type ImageAutomationFlags, parseImageAutomationFlags } from './flags.ts';
