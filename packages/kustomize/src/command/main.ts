// The weft-kustomize command: argument parsing and output; bin/weft-kustomize.js starts it.
import { KustomizeError, writeBuildYaml } from '../index.ts';

const usage = 'usage: weft-kustomize build DIR [--root DIR] [--reorder legacy|none]';

export const main = async (argv: string[]): Promise<number> => {
  const [command, ...rest] = argv;
  if (command !== 'build') {
    process.stderr.write(`${usage}\n`);
    return command === '--help' || command === '-h' ? 0 : 1;
  }
  let dir = '.';
  const options: { root?: string; reorder?: 'legacy' | 'none' } = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--root') options.root = rest[++i] ?? '';
    else if (arg === '--reorder') {
      const value = rest[++i];
      if (value !== 'legacy' && value !== 'none') {
        process.stderr.write(`Error: --reorder must be legacy or none\n${usage}\n`);
        return 1;
      }
      options.reorder = value;
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
