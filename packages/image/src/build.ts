/**
 * The images: one per controller (`weft/<controller>:<version>`) and the e2e node's pause image.
 *
 * A controller image has three layers, rarest change first: Node and its libraries, the
 * controller's production files, and the compile cache warmed from them. Its entrypoint is
 * `node <the bin's shebang flags> <bin>`, so a Deployment passes only the controller's flags.
 */
import { chmod, copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ControllerName, controllerNames } from '@weft/api/controllers';
import { buildLayer, under } from './layer.ts';
import { type WrittenImage, writeImageLayout } from './layout.ts';
import { nodeFlagsFromShebang } from './shebang.ts';
import { stageApp } from './stage-app.ts';
import { imageUid, nodeBinaryPath, stageNodeRuntime } from './stage-node.ts';
import { warmCompileCache } from './warm.ts';

/** Where the warmed compile cache lives in a controller image (NODE_COMPILE_CACHE). */
export const compileCacheDir = '/app/compile-cache';

/** The environment of every controller image (the Dockerfile sets the same). */
export const imageEnv = [
  `NODE_COMPILE_CACHE=${compileCacheDir}`,
  'HOME=/tmp',
  'TMPDIR=/tmp',
  'NODE_ENV=production',
];

/** The controllers an image can be built of: every controller weft ships. */
export const controllers = controllerNames;
export type Controller = ControllerName;

/** A program a controller runs besides Node, copied from the host into the image. */
export interface BundledTool {
  name: string;
  /** Where the image holds it (the controller's flags name this path). */
  imagePath: string;
}

/**
 * helm-controller drives the helm binary and renders with its long-running renderer
 * (docs/images.md); the others need nothing but Node.
 */
export const bundledTools: Record<Controller, BundledTool[]> = {
  'source-controller': [],
  'kustomize-controller': [],
  'helm-controller': [
    { name: 'helm', imagePath: '/usr/local/bin/helm' },
    { name: 'helm-renderer', imagePath: '/usr/local/bin/weft-helm-renderer' },
  ],
  'notification-controller': [],
  'image-automation-controller': [],
};

/** Host paths of the bundled tools, by name (`{ helm: '~/.cache/weft/bin/helm-v4.3.2/helm' }`). */
export type ToolPaths = Record<string, string>;

/** The host path of each tool `controller` bundles; throws naming a missing one. */
export function toolSources(controller: Controller, tools: ToolPaths): Array<BundledTool & { from: string }> {
  return bundledTools[controller].map((tool) => {
    const from = tools[tool.name];
    if (!from) throw new Error(`${controller} bundles ${tool.name}: give its path (--${tool.name} PATH)`);
    return { ...tool, from };
  });
}

export interface ControllerImageOptions {
  repoRoot: string;
  controller: Controller;
  /** The image tag (default: the package's version). */
  version?: string;
  /** The OCI layout directory to write. */
  out: string;
  /** Scratch space for the staged root filesystem and layers (removed afterwards). */
  work: string;
  /** Host paths of the tools the controller bundles (`bundledTools`). */
  tools?: ToolPaths;
}

export interface ControllerRootfs {
  /** The bin inside the image (`/app/packages/…/bin/…js`). */
  bin: string;
  /** The V8 flags of the bin's shebang. */
  flags: string[];
  version: string;
}

/**
 * Stages a controller's root filesystem under `root`: Node and its libraries, the controller's
 * production files under /app, the compile cache warmed from them. The Docker-free build makes
 * layers of it; the Dockerfile copies it into a `scratch` image.
 */
export async function stageControllerRootfs(
  repoRoot: string,
  controller: Controller,
  root: string,
  tools: ToolPaths = {},
): Promise<ControllerRootfs> {
  const bundled = toolSources(controller, tools);
  const packageDir = `packages/${controller}`;
  const pkg = JSON.parse(await readFile(join(repoRoot, packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  await mkdir(root, { recursive: true });
  await stageNodeRuntime(root);
  for (const tool of bundled) {
    const target = join(root, tool.imagePath);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(tool.from, target);
    await chmod(target, 0o755);
  }
  const bin = await stageApp(repoRoot, packageDir, root);
  const flags = nodeFlagsFromShebang(await readFile(join(root, bin), 'utf8'));
  await warmCompileCache(root, compileCacheDir, join('/app', packageDir, 'src', 'run.ts'));
  return { bin, flags, version: pkg.version };
}

export async function buildControllerImage(options: ControllerImageOptions): Promise<WrittenImage> {
  const root = join(options.work, 'rootfs');
  await rm(options.work, { recursive: true, force: true });
  try {
    const staged = await stageControllerRootfs(options.repoRoot, options.controller, root, options.tools);
    const version = options.version ?? staged.version;
    const cache = compileCacheDir.slice(1);
    const tools = bundledTools[options.controller].map((tool) => tool.imagePath.slice(1));
    const isTool = under(...tools);
    const runtime = under('etc', 'lib', 'lib64', 'tmp', 'usr');
    const layers = [
      // Node and its libraries: the same layer in every controller image, so a registry or a
      // node stores it once.
      await buildLayer(
        root,
        join(options.work, 'runtime.tar.gz'),
        // The tools' files only: `under` also takes their parent directories, which stay here.
        (path, isDir) => runtime(path, isDir) && !tools.includes(path),
      ),
      ...(tools.length > 0 ? [await buildLayer(root, join(options.work, 'tools.tar.gz'), isTool)] : []),
      await buildLayer(
        root,
        join(options.work, 'app.tar.gz'),
        (path, isDir) => path === 'app' || (path.startsWith('app/') && !under(cache)(path, isDir)),
      ),
      await buildLayer(root, join(options.work, 'compile-cache.tar.gz'), under(cache)),
    ];
    return await writeImageLayout(options.out, `weft/${options.controller}:${version}`, layers, {
      entrypoint: [nodeBinaryPath, ...staged.flags, staged.bin],
      user: `${imageUid}:${imageUid}`,
      env: imageEnv,
      workingDir: join('/app', `packages/${options.controller}`),
      labels: {
        'org.opencontainers.image.title': `weft ${options.controller}`,
        'org.opencontainers.image.version': version,
      },
    });
  } finally {
    await rm(options.work, { recursive: true, force: true });
  }
}

export interface PauseImageOptions {
  /** The static pause binary (e2e/toolchain/build.sh pause). */
  binary: string;
  reference: string;
  out: string;
  work: string;
}

export async function buildPauseImage(options: PauseImageOptions): Promise<WrittenImage> {
  const root = join(options.work, 'rootfs');
  await rm(options.work, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  try {
    await copyFile(options.binary, join(root, 'pause'));
    await chmod(join(root, 'pause'), 0o755);
    const layer = await buildLayer(root, join(options.work, 'pause.tar.gz'), () => true);
    return await writeImageLayout(options.out, options.reference, [layer], {
      entrypoint: ['/pause'],
      user: '65535:65535',
      env: [],
      workingDir: '/',
    });
  } finally {
    await rm(options.work, { recursive: true, force: true });
  }
}
