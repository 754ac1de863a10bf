/**
 * `install.crds` / `upgrade.crds` beyond what the helm binary does by itself (install: Create,
 * upgrade: Skip), as Flux: the CRDs of the chart's `crds/` directories (its own and its
 * subcharts', unpacked or packaged) are created when missing (`Create`) or created and updated
 * (`CreateReplace`) by the runtime's apply engine as Helm's field manager, and waited for until
 * Established, before the release action (which then skips CRDs).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { HelmReleaseSpec } from '@weft/api';
import type { Client, KubeObject } from '@weft/runtime/client';
import { ResourceManager } from '@weft/runtime/ssa';
import { list as listTar } from 'tar';
import { parseAllDocuments } from 'yaml';
import { helmFieldManager } from './release.ts';

export type CrdPolicy = 'Skip' | 'Create' | 'CreateReplace';

/** The policy in effect, Flux's defaults: Create on install, Skip on upgrade. */
export function crdPolicy(spec: HelmReleaseSpec, action: 'install' | 'upgrade'): CrdPolicy {
  if (action === 'upgrade') return spec.upgrade?.crds ?? 'Skip';
  return spec.install?.crds ?? (spec.install?.skipCRDs ? 'Skip' : 'Create');
}

/** Whether the controller applies the CRDs itself (the helm binary does install's Create). */
export function appliesCrdsItself(spec: HelmReleaseSpec, action: 'install' | 'upgrade'): boolean {
  const policy = crdPolicy(spec, action);
  return action === 'upgrade' ? policy !== 'Skip' : policy === 'CreateReplace';
}

const crdFile = /\.(ya?ml|json)$/;

/** `a/crds/x.yaml`, `a/charts/b/crds/x.yaml`: a CRD file of the chart or a subchart. */
function isCrdPath(segments: readonly string[]): boolean {
  const dir = segments.at(-2);
  if (dir !== 'crds' || !crdFile.test(segments.at(-1) ?? '')) return false;
  // Above `crds/`: nothing (the chart itself) or `charts/<name>` pairs (subcharts).
  const above = segments.slice(0, -2);
  return above.length % 2 === 0 && above.every((part, index) => index % 2 === 1 || part === 'charts');
}

function crdsOf(text: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    const value = doc.toJS({ maxAliasCount: 100 }) as KubeObject | null;
    return value?.kind === 'CustomResourceDefinition' ? [value] : [];
  });
}

/** Every CRD of the chart directory and its subcharts. */
export async function chartCrds(chartDir: string): Promise<KubeObject[]> {
  const found: KubeObject[] = [];
  const entries = await readdir(chartDir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const segments = relative(chartDir, path).split(sep);
    if (isCrdPath(segments)) found.push(...crdsOf(await readFile(path, 'utf8')));
    else if (segments.at(-2) === 'charts' && entry.name.endsWith('.tgz')) {
      const texts: Promise<string>[] = [];
      await listTar({
        file: path,
        onReadEntry: (tarEntry) => {
          // Inside a packaged subchart every path starts with its directory: `sub/crds/x.yaml`.
          if (tarEntry.type === 'File' && isCrdPath(tarEntry.path.split('/').slice(1))) {
            texts.push(tarEntry.concat().then((buffer) => buffer.toString('utf8')));
          } else tarEntry.resume();
        },
      });
      for (const text of await Promise.all(texts)) found.push(...crdsOf(text));
    }
  }
  return found;
}

/** Applies the chart's CRDs by `policy` (Create: only missing ones); resolves once Established. */
export async function applyChartCrds(
  client: Client,
  chartDir: string,
  policy: CrdPolicy,
  signal?: AbortSignal,
): Promise<number> {
  if (policy === 'Skip') return 0;
  let crds = await chartCrds(chartDir);
  if (policy === 'Create') {
    const exists = await Promise.all(
      crds.map((crd) =>
        client.find({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          name: crd.metadata.name ?? '',
        }),
      ),
    );
    crds = crds.filter((_, index) => exists[index] === undefined);
  }
  if (crds.length === 0) return 0;
  const manager = new ResourceManager(client, { fieldManager: helmFieldManager });
  await manager.applyAll(crds, signal ? { signal } : {});
  return crds.length;
}
