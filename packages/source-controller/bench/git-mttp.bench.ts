/**
 * The MTTP shape of oci-mttp.bench.ts for GitRepositories: N GitRepositories of one branch of one
 * repository (20 manifests of ~2 KiB) on the e2e git HTTP server (git http-backend, in this
 * process), created at once; the time until all are Ready, the controller's CPU seconds and peak
 * RSS, per object the API server's and the git server's requests (`POST ls-refs`, `POST fetch`),
 * for weft's source-controller and, with --flux, Flux's, on the same control plane. The harness
 * is mttp.ts; same arguments and environment as oci-mttp.bench.ts:
 *   node bench/git-mttp.bench.ts [N ...] [--flux] [--base=DIR ...] [--env=K=V ...]
 */
import { GitRepositoryKind } from '@weft/api';
import { startGitHttpServer } from '@weft/e2e';
import { runMttp } from './mttp.ts';

await runMttp('git-bench', async () => {
  const git = await startGitHttpServer();
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++)
    files[`deploy/cm-${i}.yaml`] = `kind: ConfigMap\ndata:\n  v: "${'x'.repeat(2000)}"\n`;
  const commit = await git.createRepo('app', files);
  return {
    kind: GitRepositoryKind,
    title: 'GitRepositories of one branch (20 files of 2 KiB)',
    spec: { url: git.url('app'), ref: { branch: 'main' }, interval: '1h' },
    revision: `main@sha1:${commit}`,
    serverRequests: () =>
      git.requests.map((request) => `${request.method} ${request.command ?? request.path.split('/').pop()}`),
    stop: () => git.stop(),
  };
});
