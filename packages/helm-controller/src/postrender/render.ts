/**
 * `spec.postRenderers` applied to Helm's rendered manifests with `@weft/kustomize`: each
 * kustomize post-renderer in order builds a kustomization whose only resource is the previous
 * output, with the renderer's `patches` and `images`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HelmReleaseSpec } from '@weft/api';
import { buildYaml } from '@weft/kustomize';

export type PostRenderers = NonNullable<HelmReleaseSpec['postRenderers']>;

export async function postRender(manifests: string, renderers: PostRenderers): Promise<string> {
  let current = manifests;
  for (const renderer of renderers) {
    const kustomize = renderer.kustomize;
    if (!kustomize || ((kustomize.patches ?? []).length === 0 && (kustomize.images ?? []).length === 0))
      continue;
    const dir = await mkdtemp(join(tmpdir(), 'weft-postrender-'));
    try {
      await writeFile(join(dir, 'helm-output.yaml'), current);
      const kustomization = {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: ['helm-output.yaml'],
        ...(kustomize.patches?.length ? { patches: kustomize.patches } : {}),
        ...(kustomize.images?.length ? { images: kustomize.images } : {}),
      };
      // JSON is YAML: no serialiser needed for a file only we read.
      await writeFile(join(dir, 'kustomization.yaml'), JSON.stringify(kustomization));
      current = await buildYaml(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return current;
}
