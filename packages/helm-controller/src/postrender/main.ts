/**
 * The post-renderer process Helm 4 runs (as the `weft-kustomize` postrenderer/v1 plugin the
 * controller installs): rendered manifests on stdin, the post-renderers and commonMetadata as a JSON file named by
 * the first argument, the result on stdout; an error on stderr and exit code 1.
 */
import { readFile } from 'node:fs/promises';
import { type PostRenderSpec, postRender } from './render.ts';

export async function main(argv: readonly string[]): Promise<void> {
  const specFile = argv[0];
  if (!specFile) throw new Error('usage: weft-helm-postrender <post-renderers.json> < manifests');
  const spec = JSON.parse(await readFile(specFile, 'utf8')) as PostRenderSpec;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const output = await postRender(Buffer.concat(chunks).toString('utf8'), spec);
  process.stdout.write(output);
}
