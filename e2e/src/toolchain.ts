/**
 * Where the pinned real parts live. `e2e/toolchain/build.sh` builds them from the Go module proxy
 * into `${WEFT_CACHE_DIR:-~/.cache/weft}/bin/<name>-<version>/`; this module reads the same pins
 * so tests and the launcher always use the binaries of the pinned versions.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const e2eRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(e2eRoot, '..');

export type ToolName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'helm'
  | 'weft-helm-renderer'
  | 'kustomize'
  | 'sops'
  | 'kubelet'
  | 'kube-proxy'
  | 'containerd'
  | 'containerd-shim-runc-v2'
  | 'ctr'
  | 'pause'
  | 'cosign'
  | 'versitygw';

const toolGroup: Record<ToolName, { dir: string; versionKey: string }> = {
  etcd: { dir: 'etcd', versionKey: 'ETCD_VERSION' },
  'kube-apiserver': { dir: 'kube', versionKey: 'KUBERNETES_VERSION' },
  'kube-controller-manager': { dir: 'kube', versionKey: 'KUBERNETES_VERSION' },
  'kube-scheduler': { dir: 'kube', versionKey: 'KUBERNETES_VERSION' },
  kwok: { dir: 'kwok', versionKey: 'KWOK_VERSION' },
  helm: { dir: 'helm', versionKey: 'HELM_VERSION' },
  'weft-helm-renderer': { dir: 'helm-renderer', versionKey: 'HELM_VERSION' },
  kustomize: { dir: 'kustomize', versionKey: 'KUSTOMIZE_VERSION' },
  sops: { dir: 'sops', versionKey: 'SOPS_VERSION' },
  kubelet: { dir: 'kubelet', versionKey: 'KUBERNETES_VERSION' },
  'kube-proxy': { dir: 'kubelet', versionKey: 'KUBERNETES_VERSION' },
  containerd: { dir: 'containerd', versionKey: 'CONTAINERD_VERSION' },
  'containerd-shim-runc-v2': { dir: 'containerd', versionKey: 'CONTAINERD_VERSION' },
  ctr: { dir: 'containerd', versionKey: 'CONTAINERD_VERSION' },
  pause: { dir: 'pause', versionKey: 'PAUSE_VERSION' },
  cosign: { dir: 'cosign', versionKey: 'COSIGN_VERSION' },
  versitygw: { dir: 'versitygw', versionKey: 'VERSITYGW_VERSION' },
};

/** The pins of e2e/toolchain/versions.env, e.g. `{ KUBERNETES_VERSION: 'v1.36.3', … }`. */
export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(join(e2eRoot, 'toolchain', 'versions.env'), 'utf8');
  const versions: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(\S+)\s*$/.exec(line);
    if (match?.[1] && match[2]) versions[match[1]] = match[2];
  }
  return versions;
}

export function cacheDir(): string {
  return process.env.WEFT_CACHE_DIR ?? join(homedir(), '.cache', 'weft');
}

/**
 * helm-controller's renderer is built from this repository: its cache directory also names the
 * hash of its sources, as e2e/toolchain/build.sh computes it (go.mod, go.sum, the non-test .go
 * files in byte order, concatenated; the first 12 hex digits of their sha256).
 */
function rendererSourceHash(): string {
  const dir = join(repoRoot, 'packages', 'helm-controller', 'renderer');
  const files = readdirSync(dir)
    .filter(
      (name) =>
        name === 'go.mod' || name === 'go.sum' || (name.endsWith('.go') && !name.endsWith('_test.go')),
    )
    .sort();
  const hash = createHash('sha256');
  for (const name of files) hash.update(readFileSync(join(dir, name)));
  return hash.digest('hex').slice(0, 12);
}

function pinnedToolPath(tool: ToolName): string {
  const { dir, versionKey } = toolGroup[tool];
  const version = pinnedVersions()[versionKey];
  if (!version) throw new Error(`e2e/toolchain/versions.env has no ${versionKey}`);
  const suffix = tool === 'weft-helm-renderer' ? `-${rendererSourceHash()}` : '';
  return join(cacheDir(), 'bin', `${dir}-${version}${suffix}`, tool);
}

/** Whether a pinned binary is built (tests that need an optional part skip without it). */
export function toolBuilt(tool: ToolName): boolean {
  return existsSync(pinnedToolPath(tool));
}

/** Absolute path of a pinned binary; throws, saying how to build it, when it is missing. */
export function toolPath(tool: ToolName): string {
  const { dir } = toolGroup[tool];
  const version = pinnedVersions()[toolGroup[tool].versionKey];
  const path = pinnedToolPath(tool);
  if (!existsSync(path)) {
    throw new Error(`${tool} ${version} is not built yet (${path}); run e2e/toolchain/build.sh ${dir}`);
  }
  return path;
}
