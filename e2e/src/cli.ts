#!/usr/bin/env node
/**
 * weft-e2e: the local control plane for people.
 *   up [--name N] [--nodes K] [--real-node]
 *                               start a cluster in the background; prints the kubeconfig path
 *                               (--real-node: also a real node, containerd + kubelet, as root;
 *                               --kube-proxy: and kube-proxy on it, one node per machine)
 *   down [--name N]             stop it (no process is left behind)
 *   status [--name N]           is it running, where, how many nodes are Ready
 *   kubeconfig [--name N]       print the admin kubeconfig path
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from './cluster/index.ts';
import { errorMessage } from './errors.ts';
import { processAlive, sleep } from './servers/process.ts';
import { cacheDir } from './toolchain.ts';

interface ClusterState {
  pid: number;
  server: string;
  kubeconfigPath: string;
}

let parsed: ReturnType<typeof parseCommandLine>;
function parseCommandLine() {
  return parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string', default: 'weft' },
      nodes: { type: 'string', default: '2' },
      'real-node': { type: 'boolean', default: false },
      'kube-proxy': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  parsed = parseCommandLine();
} catch (error) {
  // An unknown flag: say which, then the usage (not a stack trace).
  console.error(`weft-e2e: ${errorMessage(error).split('.')[0]}`);
  parsed = {
    positionals: ['usage-error'],
    values: { name: 'weft', nodes: '2', 'real-node': false, 'kube-proxy': false, help: false },
  };
}
const { positionals, values } = parsed;
const command = values.help ? 'help' : (positionals[0] ?? 'help');
const name = values.name;
const stateDir = join(cacheDir(), 'clusters', name);
const stateFile = join(stateDir, 'state.json');

async function readState(): Promise<ClusterState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile, 'utf8');
  } catch (error) {
    // Absent, or removed by the stopping supervisor since: either way, not running. (Checking
    // existence first and reading after raced with that removal: `down` failed with ENOENT.)
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as ClusterState;
  // A dead supervisor: its components died with it (pdeathsig).
  return processAlive(state.pid) ? state : undefined;
}

async function up(): Promise<void> {
  const running = await readState();
  if (running) {
    console.log(`cluster "${name}" is already running at ${running.server}`);
    console.log(`export KUBECONFIG=${running.kubeconfigPath}`);
    return;
  }
  await rm(stateDir, { recursive: true, force: true });
  const { mkdir } = await import('node:fs/promises');
  await mkdir(stateDir, { recursive: true });
  const logPath = join(stateDir, 'supervisor.log');
  const log = openSync(logPath, 'a');
  // The supervisor owns the component processes: they die with it, and `down` stops it.
  const child = spawn(
    process.execPath,
    [
      process.argv[1]!,
      'supervise',
      ...['--name', name, '--nodes', values.nodes],
      ...(values['real-node'] ? ['--real-node'] : []),
      ...(values['kube-proxy'] ? ['--kube-proxy'] : []),
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  console.log(`starting cluster "${name}" (logs: ${logPath})`);
  const deadline = Date.now() + 240_000;
  while (!(await readState())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      console.error(`the cluster did not start; last lines of ${logPath}:`);
      console.error((await readFile(logPath, 'utf8')).split('\n').slice(-30).join('\n'));
      process.exit(1);
    }
    await sleep(250);
  }
  const state = (await readState())!;
  console.log(`cluster "${name}" is running at ${state.server}`);
  console.log(`export KUBECONFIG=${state.kubeconfigPath}`);
}

async function supervise(): Promise<void> {
  const cluster = await startCluster({
    name,
    dir: join(stateDir, 'cluster'),
    nodes: Number(values.nodes),
    realNode: values['kube-proxy'] ? { kubeProxy: true } : values['real-node'],
    onProgress: (message) => console.log(message),
  });
  const state: ClusterState = {
    pid: process.pid,
    server: cluster.server,
    kubeconfigPath: cluster.kubeconfigPath,
  };
  // Written whole or not at all: `up` polls for this file and must never read half of it.
  await writeFile(`${stateFile}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${stateFile}.tmp`, stateFile);
  const shutdown = async () => {
    await rm(stateFile, { force: true });
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  setInterval(() => {}, 1 << 30); // stay alive until a signal
}

async function down(): Promise<void> {
  const state = await readState();
  if (!state) {
    console.log(`cluster "${name}" is not running`);
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  // Wait for the supervisor itself, not for its state file: it removes the file first and then
  // stops the cluster, and `down` returns only when nothing of the cluster is left.
  const deadline = Date.now() + 60_000;
  while (processAlive(state.pid)) {
    if (Date.now() > deadline) {
      process.kill(state.pid, 'SIGKILL');
      break;
    }
    await sleep(200);
  }
  await rm(stateFile, { force: true });
  console.log(`cluster "${name}" stopped`);
}

async function status(): Promise<void> {
  const state = await readState();
  if (!state) {
    console.log(`cluster "${name}" is not running`);
    process.exitCode = 3;
    return;
  }
  const { KubeConfig, CoreV1Api } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  config.loadFromFile(state.kubeconfigPath);
  const nodes = await config.makeApiClient(CoreV1Api).listNode();
  const ready = nodes.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  console.log(
    `cluster "${name}" is running at ${state.server}, ${ready.length}/${nodes.items.length} nodes Ready`,
  );
  console.log(`kubeconfig: ${state.kubeconfigPath}`);
}

switch (command) {
  case 'up':
    await up();
    break;
  case 'supervise':
    await supervise();
    break;
  case 'down':
    await down();
    break;
  case 'status':
    await status();
    break;
  case 'kubeconfig': {
    const state = await readState();
    if (!state) {
      console.error(`cluster "${name}" is not running (start it with: weft-e2e up)`);
      process.exit(1);
    }
    console.log(state.kubeconfigPath);
    break;
  }
  default:
    console.log(
      'usage: weft-e2e up|down|status|kubeconfig [--name NAME] [--nodes N] [--real-node [--kube-proxy]]',
    );
    process.exitCode = command === 'help' ? 0 : 2;
}
