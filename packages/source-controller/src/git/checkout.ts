import * as fs from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildOptions } from '@weft/artifact';
import { ByteBudget, defaultFetchLimits, type FetchLimits, type GitAuth, GitError, Remote } from '@weft/git';
import git from 'isomorphic-git';
import { IgnoreRules, sourceIgnoreFile } from '../ignore/index.ts';
import { type FetchedTree, FetchUnsupported, shallowFetch } from './pack/shallow-fetch.ts';
import { writeListing } from './pack/write-tree.ts';
import { formatRevision, type GitReference, type ResolvedReference, resolveReference } from './reference.ts';

export interface GitSourceOptions {
  url: string;
  auth?: GitAuth;
  ref: GitReference;
  /** Whole-operation timeout; default 60 s (spec.timeout). */
  timeoutMs?: number;
  limits?: Partial<FetchLimits>;
}

export interface CheckoutOptions extends GitSourceOptions {
  /** An empty (or absent) directory to write the tree into. */
  dir: string;
  /** spec.ignore; the default list when undefined. */
  ignore?: string;
}

/** The raw commit (and annotated tag) fetched, for signature verification. */
export interface FetchedObjects {
  commit: Buffer;
  /** The annotated tag object, when the reference is one. */
  tag?: Buffer;
}

export interface CheckoutResult extends ResolvedReference {
  /** The raw objects the revision names, as fetched. */
  objects: FetchedObjects;
  /** The rules used, with every `.sourceignore` found; reuse them to filter the artifact. */
  ignoreRules: IgnoreRules;
  /** Files written. */
  files: number;
  /** Bytes received from the server. */
  fetchedBytes: number;
}

/** Runs `operation` with a remote whose every request shares one timeout and byte budget. */
async function withRemote<T>(
  options: GitSourceOptions,
  operation: (remote: Remote, budget: ByteBudget) => Promise<T>,
): Promise<T> {
  const limits = { ...defaultFetchLimits, ...options.limits };
  const timeoutMs = options.timeoutMs ?? 60_000;
  const signal = AbortSignal.timeout(timeoutMs);
  const budget = new ByteBudget(limits.maxFetchBytes, 'fetched pack');
  const remote = new Remote({
    url: options.url,
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    signal,
    budget,
  });
  try {
    return await operation(remote, budget);
  } catch (error) {
    if (signal.aborted && !(error instanceof GitError && error.code === 'Timeout')) {
      throw new GitError(
        'Timeout',
        `timed out after ${timeoutMs} ms talking to ${remote.displayUrl}; raise spec.timeout`,
        {
          cause: error,
        },
      );
    }
    throw remote.translate(error);
  } finally {
    remote.close();
  }
}

/** The revision the reference points at on the remote, without fetching objects. */
export function remoteRevision(options: GitSourceOptions): Promise<ResolvedReference> {
  return withRemote(options, (remote) => resolveReference(remote, options.ref));
}

/**
 * Fetches the reference shallowly (one commit, one branch or tag) and writes its tree into
 * `dir`, leaving out what the ignore rules exclude (excluded directories are not written at all).
 */
export function checkout(options: CheckoutOptions): Promise<CheckoutResult> {
  const limits = { ...defaultFetchLimits, ...options.limits };
  return withRemote(options, async (remote, budget) => {
    const resolved = await resolveReference(remote, options.ref);
    if (options.ref.commit === undefined || options.ref.commit === '') {
      const ignoreRules = new IgnoreRules(options.ignore);
      const fetched = await tryShallowFetch(remote, resolved, ignoreRules, limits);
      if (fetched) {
        try {
          await mkdir(options.dir, { recursive: true });
          const files = await writeListing(fetched.store, fetched.listing, options.dir);
          const objects = storedObjects(fetched, resolved);
          return { ...resolved, objects, ignoreRules, files, fetchedBytes: budget.used };
        } finally {
          await fetched.dispose();
        }
      }
    }
    const gitdir = await mkdtemp(join(tmpdir(), 'weft-git-'));
    try {
      const cache = {};
      const { commit, tag } = await fetchCommit(remote, resolved, options.ref, gitdir, cache);
      const final: ResolvedReference =
        commit === resolved.commit
          ? resolved
          : { ...resolved, commit, revision: formatRevision(resolved.shortName, commit) };
      const ignoreRules = new IgnoreRules(options.ignore);
      await mkdir(options.dir, { recursive: true });
      const files = await writeTree({
        gitdir,
        commit,
        dir: options.dir,
        rules: ignoreRules,
        budget: new ByteBudget(limits.maxCheckoutBytes, 'checkout'),
        cache,
      });
      const objects: FetchedObjects = { commit: await rawObject(gitdir, commit, cache) };
      if (tag !== undefined) objects.tag = await rawObject(gitdir, tag, cache);
      return { ...final, objects, ignoreRules, files, fetchedBytes: budget.used };
    } finally {
      await rm(gitdir, { recursive: true, force: true });
    }
  });
}

/** The shallow protocol v2 fetch, or undefined when the server does not offer it. */
async function tryShallowFetch(
  remote: Remote,
  resolved: ResolvedReference,
  rules: IgnoreRules,
  limits: FetchLimits,
): Promise<FetchedTree | undefined> {
  try {
    return await shallowFetch({
      remote,
      commit: resolved.commit,
      ...(resolved.tagObject === undefined ? {} : { tag: resolved.tagObject }),
      rules,
      checkoutBudget: new ByteBudget(limits.maxCheckoutBytes, 'checkout'),
    });
  } catch (error) {
    // A server without protocol v2 fetch: isomorphic-git's fetch instead.
    if (error instanceof FetchUnsupported) return undefined;
    throw error;
  }
}

/** What `fetchSource` gives: the revision, and the tree either in `dir` or as `entries`. */
export interface SourceResult extends CheckoutResult {
  /**
   * The tree's entries for `buildArtifact({ entries })` when it was not written to `dir` (the
   * shallow fetch keeps it in a temp object store instead); undefined when it is in `dir`.
   */
  entries: NonNullable<BuildOptions['entries']> | undefined;
  /** Removes the temp object store; call once the artifact is built. */
  dispose(): Promise<void>;
}

/**
 * Like `checkout`, but a shallow fetch does not write the tree: it is handed back as entries
 * to build the artifact from, which saves creating (and reading back) a file per blob. Falls
 * back to writing `dir` (commit references, servers without protocol v2).
 */
export function fetchSource(options: CheckoutOptions): Promise<SourceResult> {
  const limits = { ...defaultFetchLimits, ...options.limits };
  if (options.ref.commit !== undefined && options.ref.commit !== '') {
    return checkout(options).then((result) => ({ ...result, entries: undefined, dispose: async () => {} }));
  }
  return withRemote(options, async (remote, budget) => {
    const resolved = await resolveReference(remote, options.ref);
    const ignoreRules = new IgnoreRules(options.ignore);
    const fetched = await tryShallowFetch(remote, resolved, ignoreRules, limits);
    if (fetched === undefined) {
      const result = await checkout(options);
      return { ...result, entries: undefined, dispose: async () => {} };
    }
    try {
      return await sourceEntries(fetched, resolved, ignoreRules, options.dir, budget);
    } catch (error) {
      await fetched.dispose();
      throw error;
    }
  });
}

async function sourceEntries(
  fetched: FetchedTree,
  resolved: ResolvedReference,
  ignoreRules: IgnoreRules,
  dir: string,
  budget: ByteBudget,
): Promise<SourceResult> {
  const { store, listing } = fetched;
  const entries: NonNullable<BuildOptions['entries']>[number][] = [];
  for (const level of listing.dirs) for (const path of level) entries.push({ kind: 'dir', path });
  for (const file of listing.files) {
    const size = store.blobSize(file.oid) ?? 0;
    entries.push({
      kind: 'file',
      path: file.path,
      size,
      executable: file.executable,
      read: () => store.readBlob(file.oid),
    });
  }
  for (const link of listing.links) {
    entries.push({
      kind: 'symlink',
      path: link.path,
      target: (await store.readBlob(link.oid)).toString('utf8'),
    });
  }
  await mkdir(dir, { recursive: true });
  return {
    ...resolved,
    objects: storedObjects(fetched, resolved),
    ignoreRules,
    files: listing.files.length + listing.links.length,
    fetchedBytes: budget.used,
    entries,
    dispose: fetched.dispose,
  };
}

/** The raw commit and tag of a shallow fetch. */
function storedObjects(fetched: FetchedTree, resolved: ResolvedReference): FetchedObjects {
  const raw = (oid: string, type: string): Buffer => {
    const object = fetched.store.get(oid);
    if (object?.type !== type) {
      throw new GitError('GitOperationFailed', `the fetched pack lacks ${type} ${oid}`);
    }
    return object.data;
  };
  const objects: FetchedObjects = { commit: raw(resolved.commit, 'commit') };
  if (resolved.tagObject !== undefined) objects.tag = raw(resolved.tagObject, 'tag');
  return objects;
}

async function rawObject(gitdir: string, oid: string, cache: object): Promise<Buffer> {
  const { object } = await git.readObject({ fs, gitdir, oid, cache, format: 'content' });
  return Buffer.from(object as Uint8Array);
}

async function fetchCommit(
  remote: Remote,
  resolved: ResolvedReference,
  ref: GitReference,
  gitdir: string,
  cache: object,
): Promise<{ commit: string; tag?: string }> {
  await git.init({ fs, gitdir, bare: true });
  // Any ref (branches, tags, refs/pull/…) lands under refs/weft/, so no ref name is refused.
  await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: remote.gitUrl });
  await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/*:refs/weft/*' });
  const base = { fs, http: remote.http, gitdir, url: remote.gitUrl, cache, tags: false } as const;
  const wantsCommit = ref.commit !== undefined && ref.commit !== '';
  if (wantsCommit) {
    // An arbitrary commit cannot be asked for by SHA over protocol v1 (servers refuse unadvertised
    // objects), so fetch the branch (or every branch) with history and look for it there.
    const result =
      resolved.refName === undefined
        ? await git.fetch({ ...base, singleBranch: false })
        : await git.fetch({ ...base, ref: resolved.refName, singleBranch: true });
    const commit = resolved.commit;
    const exists = await git.readCommit({ fs, gitdir, oid: commit, cache }).then(
      () => true,
      () => false,
    );
    const onBranch =
      exists &&
      (resolved.refName === undefined ||
        result.fetchHead === commit ||
        (result.fetchHead !== null &&
          (await git.isDescendent({
            fs,
            gitdir,
            oid: result.fetchHead,
            ancestor: commit,
            depth: -1,
            cache,
          }))));
    if (!onBranch) {
      const where = resolved.shortName === undefined ? '' : ` on branch "${resolved.shortName}"`;
      throw new GitError('RefNotFound', `commit ${commit} not found${where} in ${remote.displayUrl}`, {
        details: { commit, branch: resolved.shortName },
      });
    }
    return { commit };
  }
  const result = await git.fetch({ ...base, ref: resolved.refName, singleBranch: true, depth: 1 });
  if (result.fetchHead === null) {
    throw new GitError('RefNotFound', `${resolved.refName} not found in ${remote.displayUrl}`);
  }
  const commit = await peelToCommit(gitdir, result.fetchHead, cache);
  return commit === result.fetchHead ? { commit } : { commit, tag: result.fetchHead };
}

async function peelToCommit(gitdir: string, oid: string, cache: object): Promise<string> {
  let current = oid;
  for (let depth = 0; depth < 10; depth++) {
    const object = await git.readObject({ fs, gitdir, oid: current, cache });
    if (object.type === 'commit') return current;
    if (object.type !== 'tag') break;
    const tag = await git.readTag({ fs, gitdir, oid: current, cache });
    current = tag.tag.object;
  }
  throw new GitError('GitOperationFailed', `${oid} does not point at a commit`);
}

interface WriteTreeOptions {
  gitdir: string;
  commit: string;
  dir: string;
  rules: IgnoreRules;
  budget: ByteBudget;
  cache: object;
}

/** Writes a commit's tree into dir; `.sourceignore` files are read before their directory's entries. */
async function writeTree(options: WriteTreeOptions): Promise<number> {
  const { gitdir, cache, rules, budget } = options;
  const { commit } = await git.readCommit({ fs, gitdir, oid: options.commit, cache });
  const pending: { path: string; oid: string }[] = [{ path: '', oid: commit.tree }];
  let files = 0;
  while (pending.length > 0) {
    const tree = pending.pop() as { path: string; oid: string };
    const { tree: entries } = await git.readTree({ fs, gitdir, oid: tree.oid, cache });
    const ignoreEntry = entries.find((entry) => entry.path === sourceIgnoreFile && entry.type === 'blob');
    if (ignoreEntry) {
      const { blob } = await git.readBlob({ fs, gitdir, oid: ignoreEntry.oid, cache });
      rules.addSourceIgnore(Buffer.from(blob).toString('utf8'), tree.path);
    }
    const writes: Promise<void>[] = [];
    for (const entry of entries) {
      const path = tree.path === '' ? entry.path : `${tree.path}/${entry.path}`;
      const target = join(options.dir, path);
      if (entry.type === 'tree') {
        if (rules.excludes(path, true)) continue;
        await mkdir(target);
        pending.push({ path, oid: entry.oid });
        continue;
      }
      // Submodules (commit entries) are not cloned.
      if (entry.type !== 'blob' || rules.excludes(path, false)) continue;
      const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid, cache });
      budget.add(blob.length);
      files++;
      if (entry.mode === '120000') {
        writes.push(symlink(Buffer.from(blob).toString('utf8'), target));
      } else {
        writes.push(writeFile(target, blob, { mode: entry.mode === '100755' ? 0o755 : 0o644 }));
      }
    }
    await Promise.all(writes);
  }
  return files;
}
