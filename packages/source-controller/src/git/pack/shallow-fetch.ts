import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ByteBudget, GitError, type Remote } from '@weft/git';
import type { IgnoreRules } from '../../ignore/index.ts';
import { FetchProtocolError, fetchPack } from './fetch.ts';
import { ObjectStore } from './object-store.ts';
import { PackError, PackParser } from './pack-parser.ts';
import { ObjectFormatError } from './tree.ts';
import { listTree, type TreeListing } from './write-tree.ts';

export { FetchUnsupported } from './fetch.ts';

/** Blob bytes allowed to wait for the disk before the network is held back. */
const maxPendingWrites = 8 * 1024 * 1024;

export interface ShallowFetchOptions {
  remote: Remote;
  commit: string;
  /** An annotated tag object to fetch along with the commit (to verify its signature). */
  tag?: string;
  rules: IgnoreRules;
  /** Counts the blobs received (bytes that reach the disk). */
  checkoutBudget: ByteBudget;
}

/** A fetched commit: its objects and its tree with the ignore rules applied. Dispose of it. */
export interface FetchedTree {
  store: ObjectStore;
  listing: TreeListing;
  dispose(): Promise<void>;
}

/**
 * Fetches one commit without history over protocol v2. The pack is parsed while it streams in:
 * no pack file, no index, no object database, blobs appended to one temp file as they complete.
 * Throws FetchUnsupported, before any object arrived, when the server does not speak protocol
 * v2 `fetch`.
 */
export async function shallowFetch(options: ShallowFetchOptions): Promise<FetchedTree> {
  const { remote } = options;
  const dir = await mkdtemp(join(tmpdir(), 'weft-objects-'));
  const dispose = async () => {
    await store?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  let store: ObjectStore | undefined;
  try {
    const objects = await ObjectStore.create(dir, (size) => options.checkoutBudget.add(size));
    store = objects;
    const parser = new PackParser({
      onObject: (object) => objects.add(object),
      bases: (oid) => objects.get(oid),
    });
    await fetchPack({
      http: remote.http,
      url: remote.gitUrl,
      wants: options.tag === undefined ? [options.commit] : [options.commit, options.tag],
      depth: 1,
      onPack: async (chunk) => {
        parser.push(chunk);
        if (objects.pendingBytes > maxPendingWrites) await objects.drain(maxPendingWrites / 2);
      },
    });
    parser.end();
    await objects.drain();
    return { store: objects, listing: listTree(objects, options.commit, options.rules), dispose };
  } catch (error) {
    await dispose();
    if (
      error instanceof PackError ||
      error instanceof FetchProtocolError ||
      error instanceof ObjectFormatError
    ) {
      throw new GitError('GitOperationFailed', `fetch from ${remote.displayUrl} failed: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
