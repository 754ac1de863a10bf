/**
 * Installs the post-renderer as a Helm 4 plugin (`type: postrenderer/v1`, a subprocess) in the
 * controller's own HELM_DATA_HOME: Helm 4 runs post-renderers only as plugins.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const postRenderPluginName = 'weft-kustomize';

const entry = fileURLToPath(new URL('../../bin/weft-helm-postrender.js', import.meta.url));

export async function installPostRenderPlugin(helmDataHome: string): Promise<void> {
  const dir = join(helmDataHome, 'plugins', postRenderPluginName);
  await mkdir(dir, { recursive: true });
  const plugin = {
    apiVersion: 'v1',
    name: postRenderPluginName,
    version: '0.1.0',
    type: 'postrenderer/v1',
    runtime: 'subprocess',
    runtimeConfig: { platformCommand: [{ command: process.execPath, args: [entry] }] },
  };
  await writeFile(join(dir, 'plugin.yaml'), JSON.stringify(plugin, null, 2));
}
