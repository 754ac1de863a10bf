/**
 * `weft install`'s and `weft bootstrap`'s flags and `--values` files → the installation's values
 * (the same values the chart takes). Lowest first: what the flags say by default, then the
 * `--values` files in order, then the flags given on the command line (as Helm's `--set` wins
 * over `--values`). The controllers are always the ones `--components` names.
 */
import { mergeValues } from '@weft/api';
import {
  type ComponentName,
  componentNames,
  isComponentName,
  logLevels,
  plannedComponents,
  type Values,
} from '@weft/install';
import { CliError, ExitCode } from '../exit.ts';
import { readValuesFiles } from '../values-files.ts';

export interface InstallFlags {
  components: string;
  componentsExtra: string;
  version: string;
  registry: string;
  imagePullSecret?: string;
  networkPolicy: boolean;
  watchAllNamespaces: boolean;
  /** hostNetwork: true; the Namespace's Pod Security label follows (see @weft/install). */
  hostNetwork?: boolean;
  clusterReconciler: boolean;
  logLevel: string;
  /** `--values` files, in the order given. */
  values?: string[];
  /** The flags typed on the command line (commander's option keys), as opposed to defaults. */
  given?: ReadonlySet<string>;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The controllers chosen by `--components` and `--components-extra`, checked. */
export function chosenComponents(
  flags: Pick<InstallFlags, 'components' | 'componentsExtra'>,
): ComponentName[] {
  const chosen = [...list(flags.components), ...list(flags.componentsExtra)];
  for (const name of chosen) {
    if ((plannedComponents as readonly string[]).includes(name)) {
      throw new CliError(
        `${name} is not part of weft yet; available: ${componentNames.join(', ')}`,
        ExitCode.Usage,
      );
    }
    if (!isComponentName(name)) {
      throw new CliError(
        `unknown component "${name}"; available: ${componentNames.join(', ')}`,
        ExitCode.Usage,
      );
    }
  }
  if (chosen.length === 0) throw new CliError('--components names no controller', ExitCode.Usage);
  return componentNames.filter((name) => chosen.includes(name));
}

/** Each flag's part of the values, keyed by the flag's option key. */
function flagValues(flags: InstallFlags): Record<string, Values> {
  return {
    registry: { image: { registry: flags.registry } },
    version: { image: { tag: flags.version.replace(/^v(?=\d)/, '') } },
    imagePullSecret: { imagePullSecrets: flags.imagePullSecret ? [{ name: flags.imagePullSecret }] : [] },
    logLevel: { logLevel: flags.logLevel },
    watchAllNamespaces: { watchAllNamespaces: flags.watchAllNamespaces },
    networkPolicy: { networkPolicy: { enabled: flags.networkPolicy } },
    hostNetwork: { hostNetwork: flags.hostNetwork ?? false },
    clusterReconciler: { clusterReconciler: { enabled: flags.clusterReconciler } },
  };
}

/** A values file that turns a controller on or off against `--components` is a mistake: say so. */
function checkEnabled(files: readonly Values[], chosen: readonly ComponentName[], paths: readonly string[]) {
  files.forEach((file, index) => {
    for (const name of componentNames) {
      const enabled = (file[name] as { enabled?: unknown } | undefined)?.enabled;
      if (enabled === undefined || enabled === chosen.includes(name)) continue;
      throw new CliError(
        `--values ${paths[index] ?? ''} sets ${name}.enabled: ${String(enabled)}, but --components ${chosen.includes(name) ? 'names it' : 'leaves it out'}; choose the controllers with --components`,
        ExitCode.Usage,
      );
    }
  });
}

/** The values of `flags` with `files`, the parsed `--values` files (see readValuesFiles). */
export function installValues(flags: InstallFlags, files: readonly Values[] = []): Values {
  if (!(logLevels as readonly string[]).includes(flags.logLevel)) {
    throw new CliError(
      `--log-level must be one of ${logLevels.join(', ')}, got "${flags.logLevel}"`,
      ExitCode.Usage,
    );
  }
  const chosen = chosenComponents(flags);
  checkEnabled(files, chosen, flags.values ?? []);
  const given = flags.given ?? new Set<string>();
  const pieces = Object.entries(flagValues(flags));
  const defaults = pieces.filter(([key]) => !given.has(key)).map(([, piece]) => piece);
  const typed = pieces.filter(([key]) => given.has(key)).map(([, piece]) => piece);
  const enabled = Object.fromEntries(
    componentNames.map((name) => [name, { enabled: chosen.includes(name) }]),
  );
  return [...defaults, ...files, ...typed, enabled].reduce(mergeValues, {});
}

/** Reads the `--values` files and computes the values. */
export async function readInstallValues(flags: InstallFlags): Promise<Values> {
  return installValues(flags, await readValuesFiles(flags.values ?? []));
}

/** The tag the installation's images carry: `--version`, or a values file's `image.tag`. */
export function imageTagOf(values: Values): string {
  return String((values.image as { tag?: unknown } | undefined)?.tag ?? '');
}
