/**
 * Watches shared by the health waits of one client: one per kind and namespace, however many
 * waits are pending on objects there. A watch ended before the server ends it (a wait that is
 * decided) cannot hand its socket back to the keep-alive pool, so a watch per wait costs a new TLS
 * connection per wait (about 4 ms of client CPU against 0.8 ms for a GET on a kept-alive socket,
 * and the apiserver's handshake and watch registration on its side); shared, a namespace whose
 * Kustomizations wait one after the other keeps one connection and one watch.
 *
 * Shared by the client's transport object (one identity: the controller's own client shares one
 * across its waits; a client made per call, as an impersonated one, gets its own): what one wait
 * sees is what its own watch would have seen. The watch is namespace-wide (a name field selector would not serve several
 * waits), opened without a resourceVersion: its first events are the state of every object there,
 * then every change. A wait that subscribes while the watch is being opened gets those first
 * events; one that joins a watch already open reads its objects once (`fresh: false`), since
 * their earlier events went by before it listened. When the last wait leaves, the watch stays
 * open `lingerMs` for the next one, then closes. A watch the server refuses or that fails is
 * reported to every wait on it (each falls back to polls) and forgotten, so the next wait opens
 * a new one.
 */
import type { Client, WatchEvent } from '../client/client.ts';
import type { Transport } from '../client/transport.ts';

export interface WatchListener {
  event(event: WatchEvent): void;
  /** The watch failed or was refused: no more events come. */
  failed(error: unknown): void;
}

export interface Subscription {
  /** Resolves once the watch is established (the listener gets every change from then on). */
  opened: Promise<void>;
  /** Whether the listener gets the watch's first events (the current state of every object). */
  fresh: boolean;
  close(): void;
}

/** How long an unused watch stays open for the next wait. */
const lingerMs = 2000;
/** The server ends a watch after this long; it is reopened while waits are pending. */
const watchSeconds = 300;

type WatchClient = Pick<Client, 'watch' | 'transport'>;

class SharedWatch {
  readonly #client: WatchClient;
  readonly #apiVersion: string;
  readonly #kind: string;
  readonly #namespace: string | undefined;
  readonly #forget: () => void;
  readonly #listeners = new Set<WatchListener>();
  readonly #stop = new AbortController();
  #opened: Promise<void>;
  #open!: () => void;
  #fail!: (error: unknown) => void;
  #isOpen = false;
  #linger: ReturnType<typeof setTimeout> | undefined;

  constructor(
    client: WatchClient,
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    forget: () => void,
  ) {
    this.#client = client;
    this.#apiVersion = apiVersion;
    this.#kind = kind;
    this.#namespace = namespace;
    this.#forget = forget;
    this.#opened = this.#nextOpen();
    void this.#run();
  }

  #nextOpen(): Promise<void> {
    const opened = new Promise<void>((resolve, reject) => {
      this.#open = resolve;
      this.#fail = reject;
    });
    opened.catch(() => undefined); // a failure reaches each listener through `failed`
    return opened;
  }

  subscribe(listener: WatchListener): Subscription {
    if (this.#linger !== undefined) clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#listeners.add(listener);
    return {
      opened: this.#opened,
      fresh: !this.#isOpen,
      close: () => this.#release(listener),
    };
  }

  #release(listener: WatchListener): void {
    if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
    this.#linger = setTimeout(() => this.#close(), lingerMs);
    this.#linger.unref?.();
  }

  #close(): void {
    if (this.#linger !== undefined) clearTimeout(this.#linger);
    this.#forget();
    this.#stop.abort();
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stop.signal.aborted) {
        const events = await this.#client.watch(this.#apiVersion, this.#kind, {
          namespace: this.#namespace,
          allowWatchBookmarks: false,
          timeoutSeconds: watchSeconds,
          signal: this.#stop.signal,
        });
        this.#isOpen = true;
        this.#open();
        for await (const event of events) {
          if (event.type === 'ERROR') throw new Error(`the watch of ${this.#kind} answered with an error`);
          for (const listener of this.#listeners) {
            try {
              listener.event(event);
            } catch (error) {
              // One wait's failure (its own health rules) is that wait's, not the watch's.
              this.#release(listener);
              listener.failed(error);
            }
          }
        }
        // The server ended it: reopened while waits are pending (its first events bring them up
        // to date), else closed.
        this.#isOpen = false;
        this.#opened = this.#nextOpen();
        if (this.#listeners.size === 0) this.#close();
      }
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      this.#forget();
      this.#stop.abort();
      this.#fail(error);
      for (const listener of this.#listeners) listener.failed(error);
      this.#listeners.clear();
    }
  }
}

const shared = new WeakMap<Transport, Map<string, SharedWatch>>();

/** Listens to the shared watch of a kind in a namespace, opening it when there is none. */
export function subscribe(
  client: WatchClient,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  listener: WatchListener,
): Subscription {
  let watches = shared.get(client.transport);
  if (!watches) {
    watches = new Map();
    shared.set(client.transport, watches);
  }
  const key = `${apiVersion}|${kind}|${namespace ?? ''}`;
  let watch = watches.get(key);
  if (!watch) {
    const own = watches;
    const created: SharedWatch = new SharedWatch(client, apiVersion, kind, namespace, () => {
      if (own.get(key) === created) own.delete(key);
    });
    watch = created;
    watches.set(key, watch);
  }
  return watch.subscribe(listener);
}
