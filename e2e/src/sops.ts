/**
 * What a decryption test needs around the real sops binary: documents encrypted for an age
 * recipient, secret words to put in them, and a search for those words in every place a
 * controller could leak them (log lines, Events, status, the files of its work directory).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toolPath } from './toolchain.ts';

/** A word no test writes by chance, e.g. `password-3f9a1c0b2e7d`. */
export function secretWord(what: string): string {
  return `${what}-${randomBytes(6).toString('hex')}`;
}

/**
 * `sops encrypt --age <recipient>` of `content` as a file called `name` in `scratchDir` (its
 * extension picks the format); `args` go before the path (e.g. `--encrypted-regex`). sops reads
 * no key of the machine: SOPS_AGE_KEY_FILE points at a file that does not exist.
 */
export function sopsEncryptor(
  recipient: string,
  scratchDir: string,
): (name: string, content: string, args?: string[]) => Promise<string> {
  return async (name, content, args = []) => {
    const path = join(scratchDir, name);
    await writeFile(path, content);
    return execFileSync(toolPath('sops'), ['encrypt', '--age', recipient, ...args, path], {
      encoding: 'utf8',
      env: { ...process.env, SOPS_AGE_KEY_FILE: join(scratchDir, 'none') },
    });
  };
}

/**
 * Where a controller could leak a plaintext: what it logged, its Events, the objects' status, and
 * its work directory when it has one.
 */
export interface LeakPlaces {
  logs: string;
  events: unknown;
  status: unknown;
  workDir?: string;
}

/**
 * Each plaintext found in a place, as `<what> plaintext in the <place>`; empty when none leaked.
 * `filesRead` counts the work directory's files, so a test can tell an empty directory (nothing
 * to search) from a clean one.
 */
export async function plaintextLeaks(
  plaintexts: Record<string, string>,
  places: LeakPlaces,
): Promise<{ leaks: string[]; filesRead: number }> {
  const entries = places.workDir
    ? await readdir(places.workDir, { recursive: true, withFileTypes: true })
    : [];
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  const onDisk = (await Promise.all(files.map((file) => readFile(file, 'latin1')))).join('\n');
  const texts: [string, string][] = [
    ['logs', places.logs],
    ['Events', JSON.stringify(places.events)],
    ['status', JSON.stringify(places.status)],
    ['work directory', onDisk],
  ];
  const leaks: string[] = [];
  for (const [what, plaintext] of Object.entries(plaintexts))
    for (const [place, text] of texts)
      if (text.includes(plaintext)) leaks.push(`${what} plaintext in the ${place}`);
  return { leaks, filesRead: files.length };
}

/** What objectPlaintextLeaks needs of a client; @weft/runtime's `Client` fits. */
export interface LeakClient {
  list(ref: { apiVersion: string; kind: string; namespace?: string }): Promise<{ items: unknown[] }>;
  get(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): Promise<object>;
}

/** plaintextLeaks in the Events of the object's namespace, the object's status, the logs and the work directory. */
export async function objectPlaintextLeaks(
  client: LeakClient,
  ref: { apiVersion: string; kind: string; namespace: string; name: string },
  plaintexts: Record<string, string>,
  places: { logs: string; workDir?: string },
): Promise<{ leaks: string[]; filesRead: number }> {
  const events = await client.list({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    namespace: ref.namespace,
  });
  const { status } = (await client.get(ref)) as { status?: unknown };
  return plaintextLeaks(plaintexts, { ...places, events: events.items, status });
}
