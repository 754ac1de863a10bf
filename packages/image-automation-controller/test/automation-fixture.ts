/**
 * What the ImageUpdateAutomation e2e files share: the cluster, the CRDs, a git server over HTTP
 * with basic auth, the automation half of the controller in-process, and a manifest with
 * comments, odd spacing, quoting and blank lines an edit must keep.
 */
import { after } from 'node:test';
import { type GitHttpServer, startGitHttpServer, useCluster } from '@weft/e2e';
import { Client } from '@weft/runtime/client';
import {
  createGitRepository,
  createSecret,
  installCrds,
  startAutomationController,
} from './automation-harness.ts';

export const credentials = { username: 'robot', password: 'secret-pass' };

export const deployment = [
  '# The app: only the marked image may change.',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: app        # spacing kept',
  '  labels: {app: app, "quoted": \'yes\'}',
  '',
  'spec:',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: app',
  '          image: registry.example/app:1.0.0 # {"$imagepolicy": "NS:app"}',
  '        - name: sidecar',
  '          image: "registry.example/sidecar:9" # not a marker',
  '',
  '',
].join('\n');

export const author = { name: 'Image Bot', email: 'bot@example.invalid' };

/**
 * Call at the top level of a test file, not in before(): node:test runs an after() registered
 * in a hook right after that hook, and the controller's stop is registered that way.
 */
export async function automationSuite(options: { noCrossNamespaceRefs?: boolean } = {}) {
  const cluster = await useCluster();
  const kubeConfig = await cluster.kubeConfig();
  const client = new Client(kubeConfig);
  await installCrds(client);
  const http: GitHttpServer = await startGitHttpServer({ auth: credentials });
  after(() => http.stop());
  await startAutomationController(kubeConfig, options);
  /** A repository on the HTTP server with a GitRepository (and its secret) in `namespace`. */
  const httpRepo = async (namespace: string, repo: string, files: Record<string, string>) => {
    await http.createRepo(repo, files);
    await createSecret(client, namespace, `${repo}-auth`, credentials);
    await createGitRepository(client, namespace, repo, http.url(repo), { secretName: `${repo}-auth` });
  };
  return { kubeConfig, client, http, httpRepo };
}
