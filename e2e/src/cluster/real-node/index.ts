import { existsSync } from 'node:fs';
import { toolBuilt } from '../../toolchain.ts';
import { pauseImageArchive, pauseImageReference } from './images.ts';
import { realNodeLabel, realNodeTaint } from './node.ts';

export { imagesDir, pauseImageArchive, pauseImageReference } from './images.ts';
export { type RealNode, realNodeLabel, realNodeName, realNodeTaint } from './node.ts';

/**
 * Whether this machine can start a real node: root, and the parts e2e/run setup builds (kubelet,
 * containerd, the pause image). Tests of real pods skip, saying why, when it cannot.
 */
export function realNodeUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'a real node needs root';
  for (const tool of ['kubelet', 'containerd', 'ctr', 'containerd-shim-runc-v2'] as const) {
    if (!toolBuilt(tool)) return `${tool} is not built (e2e/run setup)`;
  }
  if (!existsSync(pauseImageArchive())) return 'the pause image is not built (e2e/run setup)';
  if (!existsSync('/usr/sbin/runc') && !existsSync('/usr/bin/runc'))
    return 'runc is not installed (e2e/run setup)';
  return undefined;
}

/** What a pod spec needs to run on the real node (and only there). */
export const onRealNode = {
  nodeSelector: { [realNodeLabel]: 'true' },
  tolerations: [
    { key: realNodeTaint.key, operator: 'Equal', value: realNodeTaint.value, effect: realNodeTaint.effect },
  ],
};

/**
 * A Deployment of one container on the real node, labelled `app: <name>`: the shape the tests
 * use for real workloads (the pause image by default, imported, never pulled).
 */
export function realNodeDeployment(
  name: string,
  options: { replicas?: number; container?: Record<string, unknown> } = {},
): { metadata: { name: string }; spec: Record<string, unknown> } {
  const labels = { app: name };
  return {
    metadata: { name },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          ...onRealNode,
          containers: [
            options.container ?? { name: 'pause', image: pauseImageReference(), imagePullPolicy: 'Never' },
          ],
        },
      },
    },
  };
}
