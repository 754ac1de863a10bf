/**
 * Node.js in the image: the binary that runs this build (Node 24, as `e2e/run` installs it from
 * the npm registry) and the shared libraries it loads, copied from the host at the paths the
 * dynamic loader looks for them (what `ldd` lists). No shell, no package manager, nothing else.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const nodeBinaryPath = '/usr/local/bin/node';
export const imageUid = 65532;

/** The absolute paths of the shared objects (and the loader) `binary` needs. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const paths = new Set<string>();
  for (const line of stdout.split('\n')) {
    // "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) paths.add(match[1]);
  }
  if (paths.size === 0) throw new Error(`ldd listed no libraries for ${binary}:\n${stdout}`);
  return [...paths].sort();
}

async function copyInto(root: string, hostPath: string, imagePath = hostPath): Promise<void> {
  const target = join(root, imagePath);
  await mkdir(dirname(target), { recursive: true });
  // The library itself, not the symlink the loader path usually is.
  await copyFile(await realpath(hostPath), target);
}

/** Stages Node, its libraries, a non-root user and /tmp under `root`. */
export async function stageNodeRuntime(root: string, nodeBinary = process.execPath): Promise<void> {
  const binary = await realpath(nodeBinary);
  await copyInto(root, binary, nodeBinaryPath);
  for (const library of await sharedLibraries(binary)) await copyInto(root, library);
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(
    join(root, 'etc', 'passwd'),
    `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${imageUid}:${imageUid}:nonroot:/tmp:/sbin/nologin\n`,
  );
  await writeFile(join(root, 'etc', 'group'), `root:x:0:\nnonroot:x:${imageUid}:\n`);
  // The mount point of the writable emptyDir (temp files, and whatever a controller writes).
  await mkdir(join(root, 'tmp'), { recursive: true });
}
