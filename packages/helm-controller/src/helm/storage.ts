/**
 * Helm's release storage, read (and for recovery, written) through the Kubernetes API: Secrets
 * `sh.helm.release.v1.<name>.v<version>` labelled `owner=helm,name=<name>`, whose `release` key
 * holds base64(gzip(JSON release)). Reading it directly costs one list call instead of a helm
 * process, and gives the exact state the helm binary sees.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type Client, isRecord, type KubeObject } from '@weft/runtime/client';

export interface HelmReleaseRecord {
  name: string;
  /** The release's namespace (its objects'). */
  namespace: string;
  /** Where the revision's Secret is: the release namespace unless spec.storageNamespace says. */
  storageNamespace: string;
  version: number;
  status: string;
  chartName: string;
  chartVersion: string;
  appVersion?: string;
  /** The user-supplied values of this revision. */
  config: Record<string, unknown>;
  firstDeployed?: string;
  lastDeployed?: string;
  deleted?: string;
  description?: string;
  manifest: string;
  testHooks: Record<string, { lastStarted?: string; lastCompleted?: string; phase?: string }>;
  /** The Secret holding it, for recovery. */
  secretName: string;
  /** The decoded release JSON, for recovery. */
  raw: Record<string, unknown>;
}

type SecretObject = KubeObject & {
  data?: Record<string, string>;
  metadata: { labels?: Record<string, string> };
};

const gzipMagic = Buffer.from([0x1f, 0x8b]);

export function decodeRelease(secretValue: string): Record<string, unknown> {
  // The API base64-encodes Secret data; Helm base64-encodes its gzip inside that.
  const inner = Buffer.from(Buffer.from(secretValue, 'base64').toString('utf8'), 'base64');
  const json = inner.subarray(0, 2).equals(gzipMagic) ? gunzipSync(inner) : inner;
  const parsed: unknown = JSON.parse(json.toString('utf8'));
  if (!isRecord(parsed)) throw new Error('release storage holds no release object');
  return parsed;
}

export function encodeRelease(release: Record<string, unknown>): string {
  const gz = gzipSync(Buffer.from(JSON.stringify(release)));
  return Buffer.from(gz.toString('base64')).toString('base64');
}

function toRecord(secret: SecretObject): HelmReleaseRecord | undefined {
  const data = secret.data?.release;
  if (!data) return undefined;
  return releaseRecord(decodeRelease(data), secret.metadata.namespace ?? '', secret.metadata.name);
}

/**
 * The record of a revision from its release JSON, as `releaseHistory` reads it from its Secret
 * (`secretName` defaults to the name Helm's driver gives it).
 */
export function releaseRecord(
  raw: Record<string, unknown>,
  storageNamespace: string,
  secretName = releaseSecretName(String(raw.name ?? ''), Number(raw.version ?? 0)),
): HelmReleaseRecord {
  const info = isRecord(raw.info) ? raw.info : {};
  const chart = isRecord(raw.chart) ? raw.chart : {};
  const metadata = isRecord(chart.metadata) ? chart.metadata : {};
  const testHooks: HelmReleaseRecord['testHooks'] = {};
  for (const hook of Array.isArray(raw.hooks) ? raw.hooks : []) {
    if (!isRecord(hook) || !Array.isArray(hook.events) || !hook.events.includes('test')) continue;
    const run = isRecord(hook.last_run) ? hook.last_run : {};
    const entry: HelmReleaseRecord['testHooks'][string] = {};
    if (typeof run.started_at === 'string' && !run.started_at.startsWith('0001'))
      entry.lastStarted = run.started_at;
    if (typeof run.completed_at === 'string' && !run.completed_at.startsWith('0001'))
      entry.lastCompleted = run.completed_at;
    if (typeof run.phase === 'string' && run.phase !== '') entry.phase = run.phase;
    testHooks[String(hook.name)] = entry;
  }
  const text = (value: unknown) =>
    typeof value === 'string' && value !== '' && !value.startsWith('0001') ? value : undefined;
  const record: HelmReleaseRecord = {
    name: String(raw.name ?? ''),
    namespace: String(raw.namespace ?? ''),
    storageNamespace,
    version: Number(raw.version ?? 0),
    status: String(info.status ?? 'unknown'),
    chartName: String(metadata.name ?? ''),
    chartVersion: String(metadata.version ?? ''),
    config: isRecord(raw.config) ? raw.config : {},
    manifest: typeof raw.manifest === 'string' ? raw.manifest : '',
    testHooks,
    secretName,
    raw,
  };
  const optional = {
    appVersion: text(metadata.appVersion),
    firstDeployed: text(info.first_deployed),
    lastDeployed: text(info.last_deployed),
    deleted: text(info.deleted),
    description: text(info.description),
  };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(record, { [key]: value });
  return record;
}

/** Every stored revision of a release, newest first. */
export async function releaseHistory(
  client: Pick<Client, 'list'>,
  namespace: string,
  name: string,
): Promise<HelmReleaseRecord[]> {
  const list = await client.list<SecretObject>({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace,
    labelSelector: `owner=helm,name=${name}`,
  });
  const records = list.items.flatMap((secret) => {
    const record = toRecord(secret);
    return record ? [record] : [];
  });
  return records.sort((a, b) => b.version - a.version);
}

export const pendingStatuses = new Set(['pending-install', 'pending-upgrade', 'pending-rollback']);

/**
 * Marks a release left pending (its helm process is gone: killed with the controller) as failed,
 * as Flux does, so that the next action may run instead of "another operation is in progress".
 * Returns the revision as it is stored now.
 */
export async function markFailed(
  client: Pick<Client, 'patch'>,
  record: HelmReleaseRecord,
  reason: string,
): Promise<HelmReleaseRecord> {
  const raw = withStatus(record.raw, 'failed', reason);
  await updateRelease(client, raw, record.storageNamespace);
  return releaseRecord(raw, record.storageNamespace, record.secretName);
}

/** Helm's storage Secret name of a revision. */
export function releaseSecretName(name: string, version: number): string {
  return `sh.helm.release.v1.${name}.v${version}`;
}

function storageLabels(raw: Record<string, unknown>): Record<string, string> {
  const info = isRecord(raw.info) ? raw.info : {};
  return {
    name: String(raw.name ?? ''),
    owner: 'helm',
    status: String(info.status ?? 'unknown'),
    version: String(raw.version ?? 0),
  };
}

const unixNow = () => String(Math.floor(Date.now() / 1000));

/**
 * Writes a new revision as Helm's Secrets driver does (type `helm.sh/release.v1`, labels
 * name/owner/status/version/createdAt). Creating fails when the revision exists: Helm's lock
 * against a second writer.
 */
export async function createRelease(
  client: Pick<Client, 'create'>,
  raw: Record<string, unknown>,
  storageNamespace: string,
): Promise<void> {
  const name = String(raw.name ?? '');
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: releaseSecretName(name, Number(raw.version ?? 0)),
      namespace: storageNamespace,
      labels: { ...storageLabels(raw), createdAt: unixNow() },
    },
    type: 'helm.sh/release.v1',
    data: { release: encodeRelease(raw) },
  } as KubeObject);
}

/** Rewrites a stored revision (its status changed), labels as Helm's Update (modifiedAt). */
export async function updateRelease(
  client: Pick<Client, 'patch'>,
  raw: Record<string, unknown>,
  storageNamespace: string,
): Promise<void> {
  await client.patch(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: storageNamespace,
      name: releaseSecretName(String(raw.name ?? ''), Number(raw.version ?? 0)),
    },
    {
      metadata: { labels: { ...storageLabels(raw), modifiedAt: unixNow() } },
      data: { release: encodeRelease(raw) },
    },
  );
}

/**
 * Deletes the Secret of one stored revision (history trimmed past maxHistory, or a release
 * uninstalled without keepHistory). Best effort, as it was at both callers: a failed delete
 * leaves a superseded revision that the next trim or uninstall deletes again, and never fails
 * the action that has already succeeded.
 */
export async function deleteRelease(
  client: Pick<Client, 'delete'>,
  record: Pick<HelmReleaseRecord, 'storageNamespace' | 'secretName'>,
): Promise<void> {
  await client
    .delete({ apiVersion: 'v1', kind: 'Secret', namespace: record.storageNamespace, name: record.secretName })
    .catch(() => undefined);
}

/** A copy of a stored release with another status (and description). */
export function withStatus(
  raw: Record<string, unknown>,
  status: string,
  description?: string,
): Record<string, unknown> {
  const copy = structuredClone(raw);
  const info = isRecord(copy.info) ? copy.info : {};
  info.status = status;
  if (description !== undefined) info.description = description;
  copy.info = info;
  return copy;
}

/** `sha256:<hex>` of values in a canonical JSON form (keys sorted), Flux's config digest. */
export function configDigest(values: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(values)).digest('hex')}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}
