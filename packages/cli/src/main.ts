/**
 * The `weft` program: its commands and flags. Only commander and this file load for `--help`;
 * each command's code (and with it the Kubernetes client) is imported when the command runs.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { clientVersion } from './client-version.ts';
import { defaultComponents } from './default-components.ts';
import { CliError, ExitCode } from './exit.ts';
import type { GlobalOptions } from './global.ts';

/** Go-style booleans: `--flag`, `--flag=true`, `--flag=false`. */
function booleanValue(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('want true or false');
}

function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/** A repeatable flag's values, in order. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The command's options with the set of those typed on the command line (not defaults). */
function typedOptions<T extends object>(options: T, command: Command): T & { given: Set<string> } {
  const given = new Set(Object.keys(options).filter((key) => command.getOptionValueSource(key) === 'cli'));
  return { ...options, given };
}

/** The flags of an installation, shared by `install` and `bootstrap git`. */
function installFlags(command: Command, clusterReconciler: boolean): Command {
  return command
    .option('--components <list>', 'controllers to install', defaultComponents)
    .option('--components-extra <list>', 'more controllers (image-automation-controller; ui: not yet)', '')
    .option('--version <version>', 'weft version: the tag of the images', clientVersion)
    .option('--registry <registry>', 'registry the images are pulled from', 'ghcr.io')
    .option('--image-pull-secret <name>', 'Secret in the namespace to pull the images with')
    .option(
      '--values <file>',
      'chart values (docs/chart-values.md), repeatable; flags given on the command line win',
      collect,
      [],
    )
    .addOption(
      new Option('--network-policy [bool]', 'deny ingress except to the artifact server and receiver')
        .argParser(booleanValue)
        .default(true),
    )
    .addOption(
      new Option('--watch-all-namespaces [bool]', 'watch objects in every namespace, not just this one')
        .argParser(booleanValue)
        .default(true),
    )
    .addOption(
      new Option(
        '--host-network [bool]',
        "pods in the node's network (no pod networking); the Namespace then allows privileged pods",
      )
        .argParser(booleanValue)
        .default(false),
    )
    .addOption(
      new Option(
        '--cluster-reconciler [bool]',
        'bind cluster-admin to kustomize-controller (see docs/install.md)',
      )
        .argParser(booleanValue)
        .default(clusterReconciler),
    )
    .addOption(
      new Option('--log-level <level>', 'controllers log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    );
}

export function program(): Command {
  const weft = new Command('weft')
    .description('Install, check and remove weft, the GitOps toolkit, in a Kubernetes cluster.')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <namespace>', 'the namespace weft is installed in', 'weft-system')
    .option('--timeout <duration>', 'how long to wait for the cluster (Go duration)', '5m')
    // Set before the commands are added: they copy these settings from their parent.
    .exitOverride()
    .showHelpAfterError('(weft <command> --help shows the flags)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 failed, 2 wrong usage, 3 cluster unreachable, 4 cancelled. Docs: docs/cli/README.md',
    );

  installFlags(
    weft
      .command('install')
      .description('install the chosen controllers and their CRDs, and wait until they are ready'),
    false,
  )
    .option('--export', 'print the manifests instead of applying them', false)
    .action(async (options, command: Command) => {
      const { install } = await import('./commands/install.ts');
      await install(globals(command), typedOptions(options, command));
    });

  weft
    .command('uninstall')
    .description('remove the controllers and CRDs; what they applied stays in place')
    .option('--keep-namespace', 'leave the namespace', false)
    .option('-s, --silent', 'do not ask for confirmation', false)
    .action(async (options, command: Command) => {
      const { uninstall } = await import('./commands/uninstall.ts');
      await uninstall(globals(command), options);
    });

  weft
    .command('check')
    .description('check the cluster (--pre: before install) or the installation')
    .option('--pre', 'only the prerequisites: Kubernetes version and permissions', false)
    .option('--components <list>', 'check only these controllers (each must be installed) and their CRDs')
    .action(async (options, command: Command) => {
      const { check } = await import('./commands/check.ts');
      await check(globals(command), options);
    });

  const bootstrap = weft
    .command('bootstrap')
    .description('commit weft to a Git repository, install it, and let it manage itself from there');
  installFlags(
    bootstrap
      .command('git')
      .description('bootstrap from any Git server over ssh:// or https://')
      .requiredOption('--url <url>', 'the repository: ssh://user@host[:port]/path or https://host/path')
      .option('--branch <branch>', 'branch to commit to and sync from', 'main')
      .option('--path <path>', 'directory of this cluster in the repository (e.g. clusters/prod)', '')
      .option('--interval <duration>', 'how often the GitRepository is fetched', '1m0s')
      .option('--secret-name <name>', 'the Git credentials Secret (default: the namespace)')
      .option('--username <name>', 'HTTPS: basic auth user')
      .option('--password <password>', 'HTTPS: basic auth password or token; SSH: the key passphrase')
      .option('--token-auth', 'HTTPS: --password is a token (user "git" unless --username)', false)
      .option(
        '--private-key-file <path>',
        'SSH: the key to push with and to give the cluster (default: a new deploy key)',
      )
      .option(
        '--ssh-known-hosts <path>',
        'SSH: known_hosts to trust (default: scanned with ssh-keyscan and printed)',
      )
      .option('--author-name <name>', 'commit author', 'weft')
      .option('--author-email <email>', 'commit author email', 'weft@users.noreply.weft.dev')
      .option('--gpg-key-ring <path>', 'sign commits with a key of this exported OpenPGP key ring')
      .option('--gpg-key-id <id>', 'which key of --gpg-key-ring (default: the first)')
      .option('--gpg-passphrase <passphrase>', 'passphrase of the signing key'),
    true,
  ).action(async (options, command: Command) => {
    const { bootstrapGit } = await import('./commands/bootstrap.ts');
    await bootstrapGit(globals(command), typedOptions(options, command));
  });

  weft
    .command('migrate')
    .description('convert a Flux repository to weft in place: API groups, annotations, bootstrap files')
    .argument('<dir>', 'root of the repository (a checkout)')
    .option('--dry-run', 'report every change and what cannot be mapped; write nothing', false)
    .action(async (dir: string, options) => {
      const { migrate } = await import('./commands/migrate.ts');
      await migrate(dir, options);
    });

  weft
    .command('version')
    .description("print weft's version and, when the cluster answers, the controllers'")
    .option('--client', 'only the client version', false)
    .action(async (options, command: Command) => {
      const { version } = await import('./commands/version.ts');
      await version(globals(command), options);
    });

  return weft;
}

/** Runs the program; returns the exit code (see exit.ts). */
export async function main(argv: readonly string[]): Promise<number> {
  const weft = program();
  try {
    await weft.parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version output are not errors; commander has printed the message already.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`✗ ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`✗ ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.Failed;
  }
}
