export { archiveLayout } from './archive.ts';
export {
  buildControllerImage,
  buildPauseImage,
  type Controller,
  type ControllerImageOptions,
  compileCacheDir,
  controllers,
  type PauseImageOptions,
} from './build.ts';
export { type Layer, layerMediaType } from './layer.ts';
export { configMediaType, type ImageSettings, manifestMediaType, type WrittenImage } from './layout.ts';
export { nodeFlagsFromShebang } from './shebang.ts';
export { imageUid, nodeBinaryPath } from './stage-node.ts';
