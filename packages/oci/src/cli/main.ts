import { parseArgs } from 'node:util';
import { pullArtifact } from '../artifact/pull.ts';
import { pushArtifact, tagArtifact } from '../artifact/push.ts';
import type { RegistryClient } from '../client.ts';
import { errorMessage, OciError } from '../errors.ts';
import { Annotation } from '../media-types.ts';
import { formatReference, parseReference } from '../reference.ts';
import { clientFor, registryFlags } from './options.ts';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

const usage = `usage:
  weft-artifact push artifact oci://<host>/<repo>:<tag> --path=<dir> [--source=<url>] [--revision=<rev>] [--annotations=k=v]…
  weft-artifact tag artifact oci://<host>/<repo>:<tag> --tag=<new-tag>
  weft-artifact list artifacts oci://<host>/<repo>
  weft-artifact pull artifact oci://<host>/<repo>:<tag> --output=<dir>
registry flags: --creds=<user>:<password> (or WEFT_OCI_CREDS) --docker-config=<file> --insecure-registry --ca-file=<pem>
`;

/** Runs one command; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [verb, noun, ...rest] = argv;
  const command = `${verb ?? ''} ${noun ?? ''}`;
  const commands: Record<string, (args: string[], io: CliIo) => Promise<void>> = {
    'push artifact': push,
    'tag artifact': tag,
    'list artifacts': list,
    'pull artifact': pull,
  };
  const run = commands[command];
  if (!run) {
    io.stderr(usage);
    return 2;
  }
  try {
    await run(rest, io);
    return 0;
  } catch (error) {
    io.stderr(`weft-artifact ${command}: ${errorMessage(error)}\n`);
    return error instanceof TypeError || (error instanceof OciError && error.code === 'InvalidReference')
      ? 2
      : 1;
  }
}

async function withClient<T>(
  url: string,
  values: Parameters<typeof clientFor>[1],
  env: NodeJS.ProcessEnv,
  allowTag: boolean,
  body: (client: RegistryClient, ref: ReturnType<typeof parseReference>) => Promise<T>,
): Promise<T> {
  const ref = parseReference(url, { allowTag });
  const client = await clientFor(ref, values, env);
  try {
    return await body(client, ref);
  } finally {
    client.close();
  }
}

function oneUrl(positionals: string[]): string {
  const [url, ...extra] = positionals;
  if (!url || extra.length > 0) throw new TypeError('expects exactly one oci:// URL');
  if (!url.startsWith('oci://')) throw new TypeError(`"${url}" must start with oci://`);
  return url;
}

async function push(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...registryFlags,
      path: { type: 'string' },
      source: { type: 'string' },
      revision: { type: 'string' },
      annotations: { type: 'string', multiple: true },
      created: { type: 'string' },
    },
  });
  const url = oneUrl(positionals);
  if (!values.path) throw new TypeError('--path is required');
  const annotations: Record<string, string> = {};
  for (const pair of values.annotations ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new TypeError(`--annotations "${pair}" must be key=value`);
    annotations[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const created = values.created === undefined ? undefined : new Date(values.created);
  if (created && Number.isNaN(created.getTime()))
    throw new TypeError(`--created "${values.created}" is not a date`);
  await withClient(url, values, io.env, true, async (client, ref) => {
    if (!ref.tag || ref.digest) throw new TypeError('push needs a tag: oci://<host>/<repo>:<tag>');
    const pushed = await pushArtifact({
      client,
      repository: ref.repository,
      tag: ref.tag,
      dir: values.path as string,
      source: values.source,
      revision: values.revision,
      annotations,
      ...(created ? { created } : {}),
    });
    io.stdout(`pushed ${formatReference({ ...ref, digest: pushed.digest })}\n`);
  });
}

async function tag(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...registryFlags, tag: { type: 'string', multiple: true } },
  });
  const url = oneUrl(positionals);
  const tags = values.tag ?? [];
  if (tags.length === 0) throw new TypeError('--tag is required');
  await withClient(url, values, io.env, true, async (client, ref) => {
    const reference = ref.digest ?? ref.tag;
    if (!reference) throw new TypeError('name the artifact to tag: oci://<host>/<repo>:<tag>');
    for (const newTag of tags) {
      parseReference(`${ref.registry}/${ref.repository}:${newTag}`);
      const digest = await tagArtifact(client, ref.repository, reference, newTag);
      io.stdout(`tagged ${ref.registry}/${ref.repository}:${newTag}@${digest}\n`);
    }
  });
}

async function list(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...registryFlags } });
  const url = oneUrl(positionals);
  await withClient(url, values, io.env, false, async (client, ref) => {
    const rows = [['ARTIFACT', 'DIGEST', 'SOURCE', 'REVISION']];
    for (const tagName of (await client.listTags(ref.repository)).sort()) {
      const fetched = await client.getManifest(ref.repository, tagName);
      const annotations = fetched.manifest.annotations ?? {};
      rows.push([
        `${ref.registry}/${ref.repository}:${tagName}`,
        fetched.digest,
        annotations[Annotation.source] ?? '',
        annotations[Annotation.revision] ?? '',
      ]);
    }
    const widths =
      rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
    for (const row of rows)
      io.stdout(
        `${row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
      );
  });
}

async function pull(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...registryFlags, output: { type: 'string', short: 'o' } },
  });
  const url = oneUrl(positionals);
  if (!values.output) throw new TypeError('--output is required');
  await withClient(url, values, io.env, true, async (client, ref) => {
    const reference = ref.digest ?? ref.tag ?? 'latest';
    const pulled = await pullArtifact({
      client,
      repository: ref.repository,
      reference,
      dir: values.output as string,
    });
    const annotations = pulled.manifest.manifest.annotations ?? {};
    io.stdout(
      `pulled ${formatReference({ ...ref, digest: pulled.manifest.digest })} into ${values.output}` +
        `${annotations[Annotation.revision] ? ` (revision ${annotations[Annotation.revision]})` : ''}\n`,
    );
  });
}
