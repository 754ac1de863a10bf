/**
 * dotenv and INI files as SOPS writes them: `KEY=value` lines (INI: in `[section]`s), the
 * metadata flattened under `sops_` keys (INI: in a `[sops]` section), multi-line values with
 * their newlines written as `\n`. Comments are kept out of the output (SOPS encrypts them too,
 * and nothing downstream reads them).
 */
import { type SopsMetadata, unflattenMetadata } from '../metadata.ts';
import type { Leaf } from '../tree.ts';

export interface Entry {
  section: string | undefined;
  key: string;
  value: string;
}

export interface ParsedLines {
  entries: Entry[];
  metadata: SopsMetadata | undefined;
  /** Section names in file order (INI), without `sops`. */
  sections: string[];
}

const unescapeNewlines = (value: string) => value.replaceAll('\\n', '\n');
const escapeNewlines = (value: string) => value.replaceAll('\n', '\\n');

export function parseDotenv(text: string): ParsedLines {
  const entries: Entry[] = [];
  const flat: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`not a KEY=value line: ${JSON.stringify(line.slice(0, 40))}`);
    const key = line.slice(0, equals);
    const value = unescapeNewlines(line.slice(equals + 1));
    if (key.startsWith('sops_')) flat[key.slice(5)] = value;
    else entries.push({ section: undefined, key, value });
  }
  return {
    entries,
    metadata: Object.keys(flat).length > 0 ? unflattenMetadata(flat) : undefined,
    sections: [],
  };
}

export function parseIni(text: string): ParsedLines {
  const entries: Entry[] = [];
  const flat: Record<string, string> = {};
  const sections: string[] = [];
  let section = 'DEFAULT';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      section = trimmed.slice(1, -1);
      if (section !== 'sops') sections.push(section);
      continue;
    }
    const equals = trimmed.indexOf('=');
    if (equals <= 0) throw new Error(`not a key = value line: ${JSON.stringify(trimmed.slice(0, 40))}`);
    const key = trimmed.slice(0, equals).trim();
    const value = unescapeNewlines(trimmed.slice(equals + 1).trim());
    if (section === 'sops') flat[key] = value;
    else entries.push({ section, key, value });
  }
  return { entries, metadata: Object.keys(flat).length > 0 ? unflattenMetadata(flat) : undefined, sections };
}

export function* lineLeaves(entries: Entry[]): Generator<Leaf> {
  for (const entry of entries) {
    yield {
      path: entry.section === undefined ? [entry.key] : [entry.section, entry.key],
      value: entry.value,
      set(value) {
        entry.value = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
      },
    };
  }
}

export function dotenvText(parsed: ParsedLines): string {
  return parsed.entries.map((entry) => `${entry.key}=${escapeNewlines(entry.value)}\n`).join('');
}

export function iniText(parsed: ParsedLines): string {
  const blocks: string[] = [];
  for (const section of parsed.sections) {
    const lines = parsed.entries
      .filter((entry) => entry.section === section)
      .map((entry) => `${entry.key} = ${escapeNewlines(entry.value)}\n`);
    blocks.push(`[${section}]\n${lines.join('')}`);
  }
  return blocks.join('\n');
}
