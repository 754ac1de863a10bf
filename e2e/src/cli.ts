#!/usr/bin/env node
/**
 * weft-e2e: the local control plane for people.
 *   up [--name N] [--nodes K]   start a cluster in the background; prints the kubeconfig path
 *   down [--name N]             stop it (no process is left behind)
 *   status [--name N]           is it running, where, how many nodes are Ready
 *   kubeconfig [--name N]       print the admin kubeconfig path
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from './cluster/index.ts';
import { sleep } from './servers/process.ts';
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
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  parsed = parseCommandLine();
} catch (error) {
  // An unknown flag: say which, then the usage (not a stack trace).
  console.error(`weft-e2e: ${error instanceof Error ? error.message.split('.')[0] : String(error)}`);
  parsed = { positionals: ['usage-error'], values: { name: 'weft', nodes: '2', help: false } };
}
const { positionals, values } = parsed;
const command = values.help ? 'help' : (positionals[0] ?? 'help');
const name = values.name;
const stateDir = join(cacheDir(), 'clusters', name);
const stateFile = join(stateDir, 'state.json');

async function readState(): Promise<ClusterState | undefined> {
  if (!existsSync(stateFile)) return undefined;
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as ClusterState;
  try {
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined; // the supervisor died: its components died with it (pdeathsig)
  }
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
    [process.argv[1]!, 'supervise', '--name', name, '--nodes', values.nodes],
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
    onProgress: (message) => console.log(message),
  });
  const state: ClusterState = {
    pid: process.pid,
    server: cluster.server,
    kubeconfigPath: cluster.kubeconfigPath,
  };
  await writeFile(stateFile, JSON.stringify(state, null, 2));
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
  const deadline = Date.now() + 30_000;
  while (await readState()) {
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
    console.log('usage: weft-e2e up|down|status|kubeconfig [--name NAME] [--nodes N]');
    process.exitCode = command === 'help' ? 0 : 2;
}
