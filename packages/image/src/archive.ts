import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An OCI image layout directory as one tar, the form `ctr images import` reads. */
export async function archiveLayout(layoutDir: string, archive: string): Promise<void> {
  await run('tar', [
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '-C',
    layoutDir,
    '-cf',
    archive,
    '.',
  ]);
}
