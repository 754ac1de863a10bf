import { GitError, type Remote } from '@weft/git';
import { listServerRefs, type ServerRef } from 'isomorphic-git';
import semver from 'semver';

/** spec.ref of a GitRepository; precedence commit > name > semver > tag > branch. */
export interface GitReference {
  branch?: string;
  tag?: string;
  semver?: string;
  name?: string;
  commit?: string;
}

/** The branch used when spec.ref is empty (Flux's default). */
export const defaultBranch = 'master';

/** A reference resolved on the remote. */
export interface ResolvedReference {
  /** `main@sha1:<sha>`, `v1.2.3@sha1:<sha>`, `refs/pull/1/head@sha1:<sha>` or `sha1:<sha>`. */
  revision: string;
  /** The commit the reference points at (annotated tags peeled). */
  commit: string;
  /** The full ref to fetch (`refs/heads/main`); absent for a bare commit. */
  refName?: string;
  /** The name in the revision before `@` (`main`, `v1.2.3`, `refs/pull/1/head`); absent for a bare commit. */
  shortName?: string;
  /** The annotated tag object the reference points at (before peeling); absent otherwise. */
  tagObject?: string;
}

const shaPattern = /^[0-9a-f]{40}$/;

/** `<name>@sha1:<commit>`, or `sha1:<commit>` without a name. */
export function formatRevision(name: string | undefined, commit: string): string {
  return name === undefined ? `sha1:${commit}` : `${name}@sha1:${commit}`;
}

/** The commit in a revision, whatever its name part. */
export function revisionCommit(revision: string): string | undefined {
  return /sha1:([0-9a-f]{40})$/.exec(revision)?.[1];
}

/**
 * The revision a reference points at now, asking the remote only for the refs it needs
 * (protocol v2 ls-refs with a prefix): one small exchange, no objects. A commit reference is
 * answered without the network: its revision cannot change.
 */
export async function resolveReference(remote: Remote, ref: GitReference): Promise<ResolvedReference> {
  if (ref.commit !== undefined && ref.commit !== '') {
    const commit = ref.commit.toLowerCase();
    if (!shaPattern.test(commit)) {
      throw new GitError('RefNotFound', `spec.ref.commit "${ref.commit}" is not a full 40-character SHA-1`);
    }
    if (ref.branch !== undefined && ref.branch !== '') {
      return {
        revision: formatRevision(ref.branch, commit),
        commit,
        refName: `refs/heads/${ref.branch}`,
        shortName: ref.branch,
      };
    }
    return { revision: formatRevision(undefined, commit), commit };
  }
  if (ref.name !== undefined && ref.name !== '') {
    return exactRef(remote, ref.name, ref.name, `ref "${ref.name}"`);
  }
  if (ref.semver !== undefined && ref.semver !== '') return semverTag(remote, ref.semver);
  if (ref.tag !== undefined && ref.tag !== '')
    return exactRef(remote, `refs/tags/${ref.tag}`, ref.tag, `tag "${ref.tag}"`);
  const branch = ref.branch !== undefined && ref.branch !== '' ? ref.branch : defaultBranch;
  return exactRef(remote, `refs/heads/${branch}`, branch, `branch "${branch}"`);
}

async function listRefs(remote: Remote, prefix: string): Promise<ServerRef[]> {
  try {
    return await listServerRefs({
      http: remote.http,
      url: remote.gitUrl,
      prefix,
      protocolVersion: 2,
      peelTags: true,
    });
  } catch (error) {
    throw remote.translate(error);
  }
}

async function exactRef(
  remote: Remote,
  refName: string,
  shortName: string,
  what: string,
): Promise<ResolvedReference> {
  const refs = await listRefs(remote, refName);
  const found = refs.find((candidate) => candidate.ref === refName);
  if (!found) {
    throw new GitError('RefNotFound', `${what} not found in ${remote.displayUrl}`, {
      details: { ref: refName },
    });
  }
  const commit = found.peeled ?? found.oid;
  const resolved: ResolvedReference = {
    revision: formatRevision(shortName, commit),
    commit,
    refName,
    shortName,
  };
  if (found.peeled !== undefined) resolved.tagObject = found.oid;
  return resolved;
}

async function semverTag(remote: Remote, range: string): Promise<ResolvedReference> {
  if (semver.validRange(range) === null) {
    throw new GitError('NoMatchingTag', `spec.ref.semver "${range}" is not a valid semver range`, {
      details: { range },
    });
  }
  const refs = await listRefs(remote, 'refs/tags/');
  let best: { version: string; ref: ServerRef; tag: string } | undefined;
  const seen: string[] = [];
  for (const ref of refs) {
    if (!ref.ref.startsWith('refs/tags/') || ref.ref.endsWith('^{}')) continue;
    const tag = ref.ref.slice('refs/tags/'.length);
    seen.push(tag);
    const version = semver.valid(tag, { loose: true });
    if (version === null || !semver.satisfies(version, range)) continue;
    if (best === undefined || semver.gt(version, best.version)) best = { version, ref, tag };
  }
  if (!best) {
    const sample = seen.slice(-5).join(', ');
    throw new GitError(
      'NoMatchingTag',
      `no tag in ${remote.displayUrl} matches semver range "${range}"${seen.length === 0 ? ' (the repository has no tags)' : ` (${seen.length} tags seen, e.g. ${sample})`}`,
      { details: { range, tags: seen.slice(0, 20) } },
    );
  }
  const commit = best.ref.peeled ?? best.ref.oid;
  const resolved: ResolvedReference = {
    revision: formatRevision(best.tag, commit),
    commit,
    refName: best.ref.ref,
    shortName: best.tag,
  };
  if (best.ref.peeled !== undefined) resolved.tagObject = best.ref.oid;
  return resolved;
}
