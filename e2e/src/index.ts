export { cacheDir, e2eRoot, pinnedVersions, repoRoot, type ToolName, toolPath } from './toolchain.ts';
