/**
 * The artifact server as a runnable of the manager: it binds when the manager starts (standbys
 * serve too, as the storage is theirs), and the manager closes it on shutdown. The Storage is
 * made once the server is bound, since artifact URLs default to the bound address.
 */
import { mkdir } from 'node:fs/promises';
import { type ArtifactServer, type ServeOptions, Storage, serve } from '@weft/artifact';
import { parseAddress, type Runnable } from '@weft/runtime/manager';
import type { SourceControllerConfig } from './flags.ts';

export class ArtifactService implements Runnable {
  readonly name = 'artifact-server';
  readonly leaderOnly = false;
  readonly #config: Pick<SourceControllerConfig, 'storagePath' | 'storageAddr' | 'storageAdvAddr'>;
  #server: ArtifactServer | undefined;
  #storage: Storage | undefined;
  /** Asked before a 404 (see recovery.ts); set before the manager starts. */
  recover: ServeOptions['recover'];

  constructor(config: Pick<SourceControllerConfig, 'storagePath' | 'storageAddr' | 'storageAdvAddr'>) {
    this.#config = config;
  }

  /** The storage artifacts are written to; there once the manager has started. */
  get storage(): Storage {
    if (!this.#storage) throw new Error('the artifact server has not started yet');
    return this.#storage;
  }

  /** The bound address, `http://host:port`. */
  get url(): string | undefined {
    return this.#server?.url;
  }

  async start(): Promise<void> {
    await mkdir(this.#config.storagePath, { recursive: true });
    const bind = parseAddress(this.#config.storageAddr);
    this.#server = await serve({
      root: this.#config.storagePath,
      host: bind?.host ?? '0.0.0.0',
      port: bind?.port ?? 0,
      ...(this.recover ? { recover: this.recover } : {}),
    });
    this.#storage = new Storage({
      root: this.#config.storagePath,
      advertisedAddress: this.#config.storageAdvAddr ?? this.#server.url,
    });
  }

  async stop(): Promise<void> {
    await this.#server?.close();
    this.#server = undefined;
  }
}
