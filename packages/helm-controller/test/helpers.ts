/**
 * What the e2e tests share: CRDs, a Helm repository (the static HTTP server, charts packaged by
 * the real `helm package` and indexed by `helm repo index`), source-controller started from its
 * bin as a separate process (no controller imports another), helm-controller in-process, and the
 * real helm binary to look at what they made.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { crds, HelmApiVersion, HelmReleaseKind } from '@weft/api';
import {
  type Cluster,
  freePort,
  installCrds as installCrdsWith,
  repoRoot,
  run,
  type StaticHttpServer,
  startStaticHttpServer,
  stopAfterDeleting,
  testNamespace,
  toolPath,
  useCluster,
} from '@weft/e2e';
import { addHelmController, type HelmController, parseHelmControllerFlags } from '@weft/helm-controller';
import { Client, type KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import type { Manager } from '@weft/runtime/manager';
import { testManager } from '@weft/runtime/testing';

type KubeConfig = Awaited<ReturnType<Cluster['kubeConfig']>>;

export const helmBinary = toolPath('helm');
/** helm-controller's long-running renderer (`--helm-renderer-path`), built by e2e/toolchain. */
export const helmRendererPath = toolPath('weft-helm-renderer');

/**
 * What every test file starts with: the run's cluster (`useCluster`), a client, the CRDs and a
 * namespace of its own. Call at the top level of a test file (it registers `after` hooks).
 */
export async function helmTestCluster(prefix: string): Promise<{
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  client: Client;
  ns: string;
}> {
  const cluster = await useCluster();
  const kubeConfig = await cluster.kubeConfig();
  const client = new Client(kubeConfig, { fieldManager: 'e2e' });
  await installCrds(client);
  const ns = await testNamespace(kubeConfig, prefix);
  return { kubeConfig, kubeconfigPath: cluster.kubeconfigPath, client, ns };
}

/** The weft CRDs, applied and Established. */
export function installCrds(client: Client): Promise<void> {
  return installCrdsWith(client, crds(), 'e2e');
}

export interface ChartFiles {
  name: string;
  version: string;
  /** Extra files by path inside the chart. */
  files?: Record<string, string>;
  values?: string;
}

/**
 * A ConfigMap chart: `data` comes from `.Values.data`; `.Values.badName` makes the name invalid
 * so the apiserver refuses the object (a failing install or upgrade with a release revision).
 */
export function configMapChart(name: string, version: string): ChartFiles {
  return {
    name,
    version,
    values: 'data:\n  greeting: hello\nbadName: false\n',
    files: {
      'templates/NOTES.txt': '{{ .Chart.Name }} {{ .Chart.Version }} is installed as {{ .Release.Name }}.\n',
      'templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ if .Values.badName }}Not_A_Valid_Name{{ else }}{{ .Release.Name }}-config{{ end }}
data:
{{- range $key, $value := .Values.data }}
  {{ $key }}: {{ $value | quote }}
{{- end }}
`,
    },
  };
}

/** A Helm repository on loopback whose charts are packaged by the real helm. */
export class HelmRepo {
  readonly server: StaticHttpServer;
  readonly #work: string;
  private constructor(server: StaticHttpServer, work: string) {
    this.server = server;
    this.#work = work;
  }

  static async start(): Promise<HelmRepo> {
    const server = await startStaticHttpServer();
    const work = await mkdtemp(join(tmpdir(), 'helm-repo-src-'));
    after(async () => {
      await server.stop();
      await rm(work, { recursive: true, force: true });
    });
    return new HelmRepo(server, work);
  }

  get url(): string {
    return this.server.baseUrl;
  }

  /** Writes the chart, `helm package`s it into the repository and re-indexes. */
  async add(chart: ChartFiles, raw?: Record<string, string>): Promise<void> {
    const dir = join(this.#work, `${chart.name}-${chart.version}`, chart.name);
    const files: Record<string, string> = {
      'Chart.yaml': `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\nappVersion: "1.0"\n`,
      'values.yaml': chart.values ?? '{}\n',
      ...chart.files,
      ...raw,
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    await run(helmBinary, ['package', dir, '-d', this.server.root], { env: helmEnv(this.#work) });
    await this.index();
  }

  async index(): Promise<void> {
    await run(helmBinary, ['repo', 'index', this.server.root, '--url', this.url], {
      env: helmEnv(this.#work),
    });
  }
}

export function helmEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    HELM_CACHE_HOME: join(home, '.helm-cache'),
    HELM_CONFIG_HOME: join(home, '.helm-config'),
    HELM_DATA_HOME: join(home, '.helm-data'),
  };
}

/** The real helm against the test cluster, e.g. `helm(['ls', '-A', '-o', 'json'])`. */
export async function helm(kubeconfigPath: string, args: string[]): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'helm-cli-'));
  try {
    const stdout = await run(helmBinary, [...args, '--kubeconfig', kubeconfigPath], { env: helmEnv(home) });
    return stdout;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * source-controller from its bin, storage in a temp dir; stopped after the file. It watches only
 * `namespace`: the e2e files of all packages share one control plane, and a source-controller
 * watching every namespace would reconcile (and re-point the artifact URLs of) the sources of
 * other packages' tests running beside this one.
 */
export async function startSourceController(kubeconfigPath: string, namespace: string): Promise<void> {
  const storage = await mkdtemp(join(tmpdir(), 'hc-e2e-storage-'));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'packages/source-controller/bin/weft-source-controller.js'),
      `--kubeconfig=${kubeconfigPath}`,
      '--watch-all-namespaces=false',
      `--namespace=${namespace}`,
      `--storage-path=${storage}`,
      `--storage-addr=127.0.0.1:${port}`,
      '--metrics-addr=0',
      '--health-addr=0',
      '--artifact-retention-ttl=0s',
      '--min-retry-delay=500ms',
      '--max-retry-delay=5s',
    ],
    { stdio: ['ignore', 'ignore', process.env.WEFT_TEST_LOG === '1' ? 'inherit' : 'ignore'] },
  );
  after(async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(storage, { recursive: true, force: true });
  });
}

/** helm-controller in-process; its HelmReleases are deleted (and finalized) before it stops. */
export async function startHelmController(
  kubeConfig: KubeConfig,
  kubeconfigPath: string,
  namespaces: string[],
  extras: {
    logDestination?: { write(text: string): void };
    workParent?: string;
    /** false: no renderer, every render a `helm template` process (the fallback). */
    renderer?: boolean;
  } = {},
): Promise<{ manager: Manager; controller: HelmController }> {
  const flags = parseHelmControllerFlags(
    [
      '--metrics-addr=0',
      '--health-addr=0',
      '--concurrent=4',
      '--min-retry-delay=500ms',
      '--max-retry-delay=5s',
    ],
    {},
  );
  const manager = testManager({
    name: 'helm-controller',
    flags: flags.runtime,
    kubeConfig,
    logDestination: extras.logDestination,
  });
  const client = new Client(kubeConfig);
  const controller = await addHelmController(manager, {
    helmBinary,
    ...(extras.renderer === false ? {} : { helmRendererPath }),
    kubeconfigPath,
    requeueDependencyMs: 1_000,
    ...(extras.workParent ? { workParent: extras.workParent } : {}),
  });
  await manager.start();
  stopAfterDeleting(client, { apiVersion: HelmApiVersion, kind: HelmReleaseKind }, namespaces, 60_000, () =>
    manager.stop(),
  );
  return { manager, controller };
}

export type Ready = { status: string; reason: string; message: string };

export function conditionOf(obj: KubeObject | undefined, type = 'Ready'): Ready | undefined {
  if (!obj) return undefined;
  const c = conditions.getCondition(obj as unknown as conditions.Conditioned, type);
  return c ? { status: c.status, reason: c.reason, message: c.message } : undefined;
}
