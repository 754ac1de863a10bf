/**
 * `--values <file>`: chart values (docs/chart-values.md) for `weft install` and `weft bootstrap`,
 * checked against the same schema as the chart's `values.schema.json`, so a misspelt key fails
 * here and names the file and the key, before anything is committed or applied.
 */
import { readFile } from 'node:fs/promises';
import { type Values, valuesSchema } from '@weft/install';
import { parse } from 'yaml';
import { CliError, ExitCode } from './exit.ts';

type ValueNode = typeof valuesSchema;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What is wrong with `value` at `path` under `node`, one line per problem. */
export function valuesProblems(value: unknown, node: ValueNode = valuesSchema, path = ''): string[] {
  const at = path === '' ? 'the top level' : path;
  switch (node.kind) {
    case 'object': {
      if (!isPlainObject(value)) return [`${at}: want a map`];
      return Object.entries(value).flatMap(([key, child]) => {
        const childPath = path === '' ? key : `${path}.${key}`;
        const childNode = node.properties[key];
        if (!childNode) {
          return [`${childPath}: no such value (known here: ${Object.keys(node.properties).join(', ')})`];
        }
        return valuesProblems(child, childNode, childPath);
      });
    }
    case 'string':
      if (typeof value !== 'string') return [`${at}: want a string`];
      if (node.enum && !node.enum.includes(value)) return [`${at}: want one of ${node.enum.join(', ')}`];
      return [];
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return [`${at}: want an integer`];
      if (node.minimum !== undefined && value < node.minimum) return [`${at}: want at least ${node.minimum}`];
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: want true or false`];
    case 'passthrough':
      if (node.type === 'array') return Array.isArray(value) ? [] : [`${at}: want a list`];
      return isPlainObject(value) ? [] : [`${at}: want a map`];
  }
}

/** Parses and checks one values file's text; `name` is how messages call it. */
export function parseValues(text: string, name: string): Values {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (error) {
    throw new CliError(`--values ${name} is not YAML: ${(error as Error).message}`, ExitCode.Usage);
  }
  if (parsed === null || parsed === undefined) return {};
  const problems = valuesProblems(parsed);
  if (problems.length > 0) {
    throw new CliError(
      `--values ${name} does not fit the chart's values (docs/chart-values.md):\n  ${problems.join('\n  ')}`,
      ExitCode.Usage,
    );
  }
  return parsed as Values;
}

/** Reads every `--values` file, in the order given (later files win, as with Helm). */
export async function readValuesFiles(paths: readonly string[]): Promise<Values[]> {
  return Promise.all(
    paths.map(async (path) => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        throw new CliError(`cannot read --values ${path}: ${(error as Error).message}`, ExitCode.Usage);
      }
      return parseValues(text, path);
    }),
  );
}
