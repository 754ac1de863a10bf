/**
 * `spec.postRenderers` applied to Helm's rendered manifests with `@weft/kustomize`: each
 * kustomize post-renderer in order builds a kustomization whose only resource is the previous
 * output, with the renderer's `patches` and `images`; `spec.commonMetadata` (labels and
 * annotations on every object) comes last, as in Flux.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HelmReleaseSpec } from '@weft/api';
import { buildYaml } from '@weft/kustomize';

export type PostRenderers = NonNullable<HelmReleaseSpec['postRenderers']>;
export type CommonMetadata = NonNullable<HelmReleaseSpec['commonMetadata']>;

/** What the plugin is given: the renderers, then `spec.commonMetadata` applied last. */
export interface PostRenderSpec {
  postRenderers: PostRenderers;
  commonMetadata?: CommonMetadata | undefined;
}

/** The kustomization fields of each step, in order; empty steps left out. */
function steps(spec: PostRenderSpec): Record<string, unknown>[] {
  const all: Record<string, unknown>[] = spec.postRenderers.map((renderer) => ({
    ...(renderer.kustomize?.patches?.length ? { patches: renderer.kustomize.patches } : {}),
    ...(renderer.kustomize?.images?.length ? { images: renderer.kustomize.images } : {}),
  }));
  const { labels, annotations } = spec.commonMetadata ?? {};
  all.push({
    // Labels on the objects only, never on selectors (immutable on Deployments).
    ...(labels && Object.keys(labels).length > 0
      ? { labels: [{ pairs: labels, includeSelectors: false }] }
      : {}),
    ...(annotations && Object.keys(annotations).length > 0 ? { commonAnnotations: annotations } : {}),
  });
  return all.filter((step) => Object.keys(step).length > 0);
}

export async function postRender(manifests: string, spec: PostRenderSpec): Promise<string> {
  let current = manifests;
  for (const step of steps(spec)) {
    const dir = await mkdtemp(join(tmpdir(), 'weft-postrender-'));
    try {
      await writeFile(join(dir, 'helm-output.yaml'), current);
      const kustomization = {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: ['helm-output.yaml'],
        ...step,
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
