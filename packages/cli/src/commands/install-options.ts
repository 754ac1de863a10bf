/** `weft install`'s flags → the installation's values (the same values the chart takes). */
import {
  type ComponentName,
  componentNames,
  isComponentName,
  logLevels,
  plannedComponents,
  type Values,
} from '@weft/install';
import { CliError, ExitCode } from '../exit.ts';

export interface InstallFlags {
  components: string;
  componentsExtra: string;
  version: string;
  registry: string;
  imagePullSecret?: string;
  networkPolicy: boolean;
  watchAllNamespaces: boolean;
  clusterReconciler: boolean;
  logLevel: string;
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

export function installValues(flags: InstallFlags): Values {
  if (!(logLevels as readonly string[]).includes(flags.logLevel)) {
    throw new CliError(
      `--log-level must be one of ${logLevels.join(', ')}, got "${flags.logLevel}"`,
      ExitCode.Usage,
    );
  }
  const chosen = chosenComponents(flags);
  return {
    image: { registry: flags.registry, tag: flags.version.replace(/^v(?=\d)/, '') },
    imagePullSecrets: flags.imagePullSecret ? [{ name: flags.imagePullSecret }] : [],
    logLevel: flags.logLevel,
    watchAllNamespaces: flags.watchAllNamespaces,
    networkPolicy: { enabled: flags.networkPolicy },
    clusterReconciler: { enabled: flags.clusterReconciler },
    ...Object.fromEntries(componentNames.map((name) => [name, { enabled: chosen.includes(name) }])),
  };
}
