// The weft-kustomize command: argument parsing and output; bin/weft-kustomize.js starts it.
import { type BuildLimits, type BuildOptions, KustomizeError, writeBuildYaml } from '../index.ts';
import { limitFlags } from '../limits/limits.ts';

const usage = `usage: weft-kustomize build DIR [--root DIR] [--reorder legacy|none]
  [--load-restrictor LoadRestrictionsRootOnly|LoadRestrictionsNone] [--enable-managedby-label] [${Object.values(
    limitFlags,
  )
    .map((flag) => `${flag} N`)
    .join('] [')}]`;

const limitByFlag = new Map(
  (Object.entries(limitFlags) as [keyof BuildLimits, string][]).map(([limit, flag]) => [flag, limit]),
);
const units: Record<string, number> = {
  '': 1,
  k: 1e3,
  ki: 1 << 10,
  m: 1e6,
  mi: 1 << 20,
  g: 1e9,
  gi: 1 << 30,
};

/** A positive count, with an optional unit for sizes: 1000, 64Mi, 2G. */
const parseCount = (text: string | undefined): number | undefined => {
  const m = /^(\d+)([kKmMgG]i?)?$/.exec(text ?? '');
  if (!m) return undefined;
  const value = Number(m[1]) * (units[(m[2] ?? '').toLowerCase()] as number);
  return value > 0 ? value : undefined;
};

export const main = async (argv: string[]): Promise<number> => {
  const [command, ...rest] = argv;
  if (command !== 'build') {
    process.stderr.write(`${usage}\n`);
    return command === '--help' || command === '-h' ? 0 : 1;
  }
  let dir = '.';
  const options: BuildOptions & { limits: Partial<BuildLimits> } = { limits: {} };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const limit = limitByFlag.get(arg);
    if (arg === '--root') options.root = rest[++i] ?? '';
    else if (arg === '--reorder') {
      const value = rest[++i];
      if (value !== 'legacy' && value !== 'none') {
        process.stderr.write(`Error: --reorder must be legacy or none\n${usage}\n`);
        return 1;
      }
      options.reorder = value;
    } else if (arg === '--enable-managedby-label') options.addManagedByLabel = true;
    else if (arg === '--load-restrictor') {
      const value = rest[++i];
      if (value !== 'LoadRestrictionsRootOnly' && value !== 'LoadRestrictionsNone') {
        process.stderr.write(
          `Error: --load-restrictor must be LoadRestrictionsRootOnly or LoadRestrictionsNone\n${usage}\n`,
        );
        return 1;
      }
      options.loadRestrictions = value === 'LoadRestrictionsNone' ? 'none' : 'rootOnly';
    } else if (limit !== undefined) {
      const value = parseCount(rest[++i]);
      if (value === undefined) {
        process.stderr.write(
          `Error: ${arg} takes a positive number (sizes may end in Ki, Mi, Gi)\n${usage}\n`,
        );
        return 1;
      }
      options.limits[limit] = value;
    } else if (arg.startsWith('-')) {
      process.stderr.write(`Error: unknown flag ${arg}\n${usage}\n`);
      return 1;
    } else dir = arg;
  }
  try {
    writeBuildYaml(dir, (text) => process.stdout.write(text), options);
    return 0;
  } catch (err) {
    const message = err instanceof KustomizeError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`Error: ${message}\n`);
    return 1;
  }
};
