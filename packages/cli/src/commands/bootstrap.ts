/**
 * `weft bootstrap git`, in Flux's order: clone (or initialise) the repository; commit and push
 * `<path>/weft-system/weft-components.yaml`; install those components (the directory built with
 * its kustomization.yaml, so patches there count); create the Git credentials Secret (over SSH
 * with a deploy key generated when none is given, once it can read); commit and push
 * `weft-sync.yaml` and `kustomization.yaml`; apply the sync objects; wait until the Kustomization
 * has applied the pushed commit. From then on weft keeps itself as the repository says.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Annotation } from '@weft/api';
import type { KubeObject } from '@weft/install';
import { build, KustomizeError } from '@weft/kustomize';
import { type Client, decodeSecretData } from '@weft/runtime/client';
import { applyInstallation } from '../apply-installation.ts';
import {
  type CredentialFlags,
  credentialsSecret,
  httpCredentials,
  readPrivateKey,
  sshFiles,
} from '../bootstrap/credentials.ts';
import {
  bootstrapComponents,
  bootstrapDir,
  kustomizationFile,
  syncFile,
  syncFileName,
} from '../bootstrap/manifests.ts';
import { type GitRemote, HttpRemote, SshRemote, transportOf } from '../bootstrap/remote.ts';
import { loadSigner } from '../bootstrap/signing.ts';
import { fingerprint, generateDeployKey, scanHostKeys } from '../bootstrap/ssh-keys.ts';
import { waitForSync } from '../bootstrap/wait-sync.ts';
import { Workspace } from '../bootstrap/workspace.ts';
import { componentsFileName } from '../components-file.ts';
import { connect, serverVersion, timeoutMs } from '../connect.ts';
import { CliError, ExitCode } from '../exit.ts';
import type { GlobalOptions } from '../global.ts';
import { deleteIfPresent } from '../installed.ts';
import { Output } from '../output.ts';
import { waitUntilReady } from '../wait.ts';
import { chosenComponents, type InstallFlags, imageTagOf, readInstallValues } from './install-options.ts';

export interface BootstrapGitOptions extends InstallFlags, CredentialFlags {
  url: string;
  branch: string;
  path: string;
  interval: string;
  secretName?: string;
  authorName: string;
  authorEmail: string;
  gpgKeyRing?: string;
  gpgKeyId?: string;
  gpgPassphrase?: string;
}

const syncKinds = new Set(['source.weft.dev/GitRepository', 'kustomize.weft.dev/Kustomization']);
const isSync = (object: KubeObject) => syncKinds.has(`${object.apiVersion.split('/')[0]}/${object.kind}`);

/** The weft-system directory built as kustomize-controller will build it. */
function buildBootstrapDir(dir: string): KubeObject[] {
  try {
    return build(dir) as KubeObject[];
  } catch (error) {
    if (error instanceof KustomizeError) {
      throw new CliError(`${bootstrapDir}/kustomization.yaml does not build: ${error.message}`);
    }
    throw error;
  }
}

/** The Secret's data when one exists already: a re-run keeps its deploy key. */
async function existingSecret(
  client: Client,
  namespace: string,
  name: string,
): Promise<Record<string, string>> {
  const secret = await client.find({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  return secret ? decodeSecretData(secret) : {};
}

/** Polls until the deploy key can list the branch: the user has registered it. */
async function waitUntilKeyCanRead(
  url: string,
  privateKey: string,
  knownHosts: string,
  timeout: number,
): Promise<void> {
  const files = await sshFiles(privateKey, knownHosts);
  const deadline = Date.now() + timeout;
  try {
    const remote = new SshRemote(url, files.sshCommand);
    for (;;) {
      try {
        await remote.branchHead('HEAD');
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new CliError(
            `the deploy key cannot read ${url} within --timeout (${(error as Error).message}); add the public key above as a deploy key of the repository and run weft bootstrap again`,
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  } finally {
    await files.dispose();
  }
}

export async function bootstrapGit(global: GlobalOptions, options: BootstrapGitOptions): Promise<void> {
  const output = new Output();
  const timeout = timeoutMs(global);
  const namespace = global.namespace;
  const secretName = options.secretName ?? namespace;
  const transport = transportOf(options.url);
  const components = chosenComponents(options);
  const values = await readInstallValues(options);
  const version = imageTagOf(values);
  const author = { name: options.authorName, email: options.authorEmail };
  const signer = options.gpgKeyRing
    ? await loadSigner({
        keyRingPath: options.gpgKeyRing,
        ...(options.gpgKeyId ? { keyId: options.gpgKeyId } : {}),
        ...(options.gpgPassphrase ? { passphrase: options.gpgPassphrase } : {}),
      })
    : undefined;
  const client = connect(global);
  await serverVersion(client);

  // The remote, and for SSH the host keys trusted from now on (printed, so they can be compared).
  const cleanups: Array<() => Promise<void>> = [];
  let remote: GitRemote;
  let knownHosts = '';
  let userKey: string | undefined;
  if (transport === 'http') {
    remote = new HttpRemote(options.url, httpCredentials(options));
  } else {
    if (options.tokenAuth) throw new CliError('--token-auth is for HTTPS URLs', ExitCode.Usage);
    knownHosts = options.sshKnownHosts
      ? await readFile(options.sshKnownHosts, 'utf8')
      : await scanHostKeys(options.url);
    for (const line of knownHosts.trim().split('\n'))
      output.step(`trusting host key ${line.split(/\s+/).slice(0, 2).join(' ')} ${fingerprint(line)}`);
    userKey = options.privateKeyFile ? await readPrivateKey(options.privateKeyFile) : undefined;
    // Without --private-key-file, pushing uses the user's own ssh setup (agent, ~/.ssh/config).
    const files = userKey !== undefined ? await sshFiles(userKey, knownHosts) : undefined;
    if (files) cleanups.push(files.dispose);
    remote = new SshRemote(options.url, files?.sshCommand ?? process.env.GIT_SSH_COMMAND);
  }

  output.step(`cloning branch ${options.branch} of ${options.url}`);
  const { workspace, cloned } = await Workspace.open(remote, options.branch);
  cleanups.push(() => workspace.remove());
  try {
    output.ok(cloned ? 'cloned the repository' : `the branch is new: starting it`);
    const dirPath = join(options.path.replace(/^\.?\/+/, ''), bootstrapDir);
    const componentsPath = join(dirPath, componentsFileName);
    const syncPath = join(dirPath, syncFileName);
    const kustomizationPath = join(dirPath, 'kustomization.yaml');

    // 1. The components, committed and pushed.
    await workspace.write(
      new Map([[componentsPath, bootstrapComponents({ namespace, values, components, version })]]),
    );
    const componentsCommit = await workspace.commit(
      [componentsPath],
      `Add weft ${version} component manifests`,
      author,
      signer,
    );
    if (componentsCommit) {
      await workspace.push();
      output.ok(`committed and pushed the components (${components.join(', ')}): ${componentsCommit}`);
    } else output.ok('the components in Git are up to date');

    // 2. Installed from the directory as kustomize-controller will build it.
    // Over HTTPS without credentials the repository is public: no Secret, no secretRef.
    const anonymous = transport === 'http' && httpCredentials(options) === undefined;
    const sync = {
      namespace,
      url: options.url,
      branch: options.branch,
      path: options.path,
      interval: options.interval,
      ...(anonymous ? {} : { secretName }),
    };
    const kustomizationText = (await workspace.read(kustomizationPath)) ?? kustomizationFile();
    await workspace.write(
      new Map([
        [syncPath, syncFile(sync)],
        [kustomizationPath, kustomizationText],
      ]),
    );
    const objects = buildBootstrapDir(join(workspace.dir, dirPath));
    output.step(`installing the components into ${namespace}`);
    await applyInstallation(
      client,
      objects.filter((object) => !isSync(object)),
      output,
      timeout,
      { namespace },
    );

    // 3. The credentials Secret.
    const previous = await existingSecret(client, namespace, secretName);
    let data: Record<string, string> = {};
    if (transport === 'http') {
      const credentials = httpCredentials(options);
      if (credentials) data = { username: credentials.username, password: credentials.password };
    } else {
      let identity = userKey;
      let publicKey: string | undefined;
      if (identity === undefined && previous.identity) {
        identity = previous.identity;
        publicKey = previous['identity.pub'];
        output.ok(`keeping the deploy key of Secret ${namespace}/${secretName}`);
      }
      if (identity === undefined) {
        const key = generateDeployKey(`weft-${namespace}`);
        identity = key.privateKey;
        publicKey = key.publicKey;
        output.step(
          'generated a deploy key; give it read access to the repository (a deploy key, or an authorized key):',
        );
        process.stdout.write(`${key.publicKey}\n`);
        output.step(`waiting until the deploy key can read ${options.url}`);
        await waitUntilKeyCanRead(options.url, identity, knownHosts, timeout);
        output.ok('the deploy key can read the repository');
      }
      data = { identity, known_hosts: knownHosts, ...(publicKey ? { 'identity.pub': publicKey } : {}) };
      if (userKey !== undefined && options.password) data.password = options.password;
    }
    // The Secret is bootstrap's: keys an earlier run set and this one does not (the password of
    // HTTPS after a move to SSH, which source-controller would take for the key's passphrase) go.
    const stale = Object.keys(previous).filter((key) => !(key in data));
    if (stale.length > 0) {
      await deleteIfPresent(client, { apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
      output.ok(`removed Secret ${namespace}/${secretName} of an earlier run (it held ${stale.join(', ')})`);
    }
    if (Object.keys(data).length > 0) {
      await client.apply(credentialsSecret(secretName, namespace, data), { force: true });
      output.ok(`Secret ${namespace}/${secretName} holds the Git credentials`);
    }

    // 4. The sync objects, committed, pushed and applied.
    const syncCommit = await workspace.commit(
      [syncPath, kustomizationPath],
      'Add weft sync manifests',
      author,
      signer,
    );
    if (syncCommit) {
      await workspace.push();
      output.ok(`committed and pushed the sync manifests: ${syncCommit}`);
    } else output.ok('the sync manifests in Git are up to date');
    const head = await workspace.head();
    const requestedAt = new Date().toISOString();
    for (const object of objects.filter(isSync)) {
      // A new requestedAt makes the controllers look at the pushed commit now, not at the next interval.
      const annotations = { ...object.metadata.annotations, [Annotation.ReconcileRequestedAt]: requestedAt };
      await client.apply({ ...object, metadata: { ...object.metadata, annotations } }, { force: true });
    }
    output.ok(`applied GitRepository and Kustomization ${namespace}`);

    // 5. Applied by the cluster itself.
    output.step(`waiting until Kustomization ${namespace} has applied ${head}`);
    await waitForSync(
      client,
      { namespace, name: namespace },
      `${options.branch}@sha1:${head}`,
      timeout,
      output,
    );
    // The Kustomization may have applied an older commit before the pushed one (an upgrade rolls
    // the controllers twice then): the toolkit is healthy only when the last rollout is done.
    output.step('confirming the controllers are ready');
    await waitUntilReady(
      client,
      objects.filter((object) => object.kind === 'Deployment'),
      timeout,
      output,
    );
    output.ok(`bootstrap finished: weft ${version} manages itself from ${options.url}`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
