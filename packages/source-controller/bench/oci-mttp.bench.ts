/**
 * Flux's MTTP shape for OCIRepositories: N OCIRepositories of one artifact in one registry,
 * created at once; measures the time until all are Ready, the controller's CPU seconds and its
 * peak RSS (the kernel's VmHWM and utime+stime of the process, started fresh for each run), for
 * weft's source-controller (from its bin, as deployed) and, with --flux, Flux's own
 * source-controller (built from the Go module proxy, see flux-source-controller.ts) on the same
 * control plane, side by side. Also where the work went, per object: API server requests by verb
 * and resource (the API server's own request counter, the bench's creates left out) and registry
 * requests (its access log). The harness is mttp.ts. Prints each row as it is measured, then
 * tables with the load average; asserts nothing.
 *   node bench/oci-mttp.bench.ts [N ...] [--flux] [--base=DIR ...] [--env=K=V ...]   (default N 100;
 *     --base adds the source-controller of another checkout DIR (more than one: one contender
 *     each), e.g. `git archive main` with node_modules linked, for a before/after under the same
 *     load; --env adds this checkout's controller again with that environment (MALLOC_ARENA_MAX=1);
 *     WEFT_E2E_KUBECONFIG reuses a control plane; extra weft flags in BENCH_FLAGS, Flux's in
 *     BENCH_FLUX_FLAGS, node flags for weft's process in BENCH_NODE_FLAGS, e.g. `--cpu-prof
 *     --cpu-prof-dir=/tmp/prof`; BENCH_HEAP_SNAPSHOTS=DIR writes a heap snapshot of weft's
 *     process once all are Ready)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OCIRepositoryKind } from '@weft/api';
import { startOciRegistry } from '@weft/e2e';
import { pushArtifact, RegistryClient } from '@weft/oci';
import { runMttp } from './mttp.ts';

await runMttp('oci-bench', async (work) => {
  const registry = await startOciRegistry({ accessLog: true });
  // One artifact: 20 manifests of ~2 KiB, as a small app's deploy directory.
  const content = join(work, 'content');
  await mkdir(content);
  for (let i = 0; i < 20; i++)
    await writeFile(join(content, `cm-${i}.yaml`), `kind: ConfigMap\ndata:\n  v: "${'x'.repeat(2000)}"\n`);
  const publisher = new RegistryClient({ registry: registry.host, insecure: true });
  const pushed = await pushArtifact({
    client: publisher,
    repository: 'bench/app',
    tag: 'latest',
    dir: content,
  });
  publisher.close();
  return {
    kind: OCIRepositoryKind,
    title: `OCIRepositories of one artifact (${pushed.layer.size} B layer)`,
    spec: { url: registry.ociUrl('bench/app'), ref: { tag: 'latest' }, insecure: true, interval: '1h' },
    revision: `latest@${pushed.digest}`,
    // `HEAD manifests`, `GET blobs`, …: what each request was for, without the repository and digest.
    serverRequests: () =>
      registry.requests().map((request) => {
        const [method, path = ''] = request.split(' ');
        return `${method} ${/\/(manifests|blobs|tags)\//.exec(path)?.[1] ?? path}`;
      }),
    stop: () => registry.stop(),
  };
});
