import { Redis } from 'ioredis';
import { StoreUnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/** Errors that say Redis is away or overloaded, not that a command is wrong. */
const UNAVAILABLE =
  /Command timed out|Connection is closed|Stream isn't writeable|max retries|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|^LOADING|^READONLY|^MASTERDOWN|^CLUSTERDOWN|^TRYAGAIN|^BUSY|^OOM|^NOREPLICAS/;

interface Channel {
  handlers: Set<(message: string) => void>;
  subscribed: Promise<unknown>;
}

export type Script = (keys: string[], args: (string | number)[]) => Promise<unknown>;

/**
 * The two connections an instance keeps to Redis: one for commands and scripts, one in subscriber
 * mode, routing each channel's messages to its handlers. Commands fail at once while Redis is away
 * (no offline queue) and after COMMAND_TIMEOUT_MS when it hangs, as StoreUnavailableError (701);
 * both connections reconnect by themselves, and the subscriber subscribes again to every channel.
 */
export class RedisConnection {
  readonly command: Redis;
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, Channel>();
  private readonly resumeListeners = new Set<() => void>();
  /** Resolves once both connections have been ready once. */
  readonly ready: Promise<void>;

  constructor(
    url: string,
    readonly prefix: string,
    private readonly logger: Logger,
    commandTimeoutMs = 2000,
  ) {
    const options = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: commandTimeoutMs,
      connectTimeout: commandTimeoutMs,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
      // A command that timed out was answered as failed: it must not run later behind the caller's back.
      autoResendUnfulfilledCommands: false,
      // Subscriptions are made again here, for the channels still wanted, not for every channel ever used.
      autoResubscribe: false,
    };
    this.command = new Redis(url, { ...options, connectionName: 'chitchat' });
    this.subscriber = new Redis(url, { ...options, connectionName: 'chitchat-subscriber' });
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.channels.get(channel)?.handlers ?? []) handler(message);
    });
    let interrupted = false;
    const connectionLost = () => (interrupted = true);
    const connectionReady = () => {
      if (!interrupted || this.command.status !== 'ready' || this.subscriber.status !== 'ready') return;
      // Both answer again after an interruption: subscribe again, then let the engines catch up.
      interrupted = false;
      const channels = [...this.channels.keys()];
      const resubscribed = channels.length ? this.subscriber.subscribe(...channels) : Promise.resolve();
      resubscribed.then(
        () => this.resumeListeners.forEach((listener) => listener()),
        (err: unknown) => {
          this.logger.warn({ err }, 'could not subscribe again after a reconnection; dropping the subscriber connection to retry');
          interrupted = true;
          this.subscriber.disconnect(true);
        },
      );
    };
    for (const [client, role] of [
      [this.command, 'commands'],
      [this.subscriber, 'subscriber'],
    ] as const) {
      this.watch(client, role);
      client.on('close', connectionLost);
      client.on('ready', connectionReady);
    }
    const readyOf = (client: Redis) =>
      client.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => client.once('ready', () => resolve()));
    this.ready = Promise.all([readyOf(this.command), readyOf(this.subscriber)]).then(() => {
      // The first time both are up is not a resumption.
      interrupted = false;
    });
  }

  /** Logs the connection going and coming back once each, not every retry. */
  private watch(client: Redis, role: string): void {
    let down = false;
    client.on('error', (err: Error) => {
      if (!down) this.logger.warn({ redis: role, err: err.message }, 'Redis unreachable; reconnecting');
      down = true;
    });
    client.on('ready', () => {
      if (down) this.logger.info({ redis: role }, 'Redis reachable again');
      down = false;
    });
  }

  /** Runs Redis calls; a Redis that is away or does not answer in time becomes StoreUnavailableError. */
  async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      const message = (err as Error)?.message ?? '';
      if (this.command.status !== 'ready' || UNAVAILABLE.test(message)) throw new StoreUnavailableError(err);
      throw err;
    }
  }

  /** A Lua script, sent once and then called by its hash (ioredis sends it again after a Redis restart). */
  script(name: string, numberOfKeys: number, lua: string): Script {
    this.command.defineCommand(name, { numberOfKeys, lua });
    const call = (this.command as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>)[name]!.bind(this.command);
    return (keys, args) => this.guard(() => call(...keys, ...args));
  }

  /** Delivers the channel's messages to `handler`, from when it resolves until the returned function is called. */
  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    for (;;) {
      let entry = this.channels.get(channel);
      if (!entry) {
        const created: Channel = { handlers: new Set(), subscribed: this.guardSubscriber(() => this.subscriber.subscribe(channel)) };
        this.channels.set(channel, (entry = created));
        created.subscribed.catch(() => {
          if (this.channels.get(channel) === created) this.channels.delete(channel);
        });
      }
      const subscribed = entry;
      await subscribed.subscribed;
      // The last handler may have left while this one waited: then subscribe afresh.
      if (this.channels.get(channel) !== subscribed) continue;
      subscribed.handlers.add(handler);
      return async () => {
        subscribed.handlers.delete(handler);
        if (subscribed.handlers.size > 0 || this.channels.get(channel) !== subscribed) return;
        this.channels.delete(channel);
        // If Redis is away this fails, and the connection it would have applied to is gone anyway.
        await this.guardSubscriber(() => this.subscriber.unsubscribe(channel)).catch(() => undefined);
      };
    }
  }

  private async guardSubscriber<T>(operation: () => Promise<T>): Promise<T> {
    if (this.subscriber.status !== 'ready') throw new StoreUnavailableError(new Error(`Redis subscriber is ${this.subscriber.status}`));
    return this.guard(operation);
  }

  onResume(listener: () => void): void {
    this.resumeListeners.add(listener);
  }

  async ping(): Promise<void> {
    if (this.subscriber.status !== 'ready') throw new StoreUnavailableError(new Error(`Redis subscriber is ${this.subscriber.status}`));
    await this.guard(() => this.command.ping());
  }

  async close(): Promise<void> {
    this.resumeListeners.clear();
    await Promise.all(
      [this.command, this.subscriber].map((client) =>
        client.status === 'ready' ? client.quit().then(() => undefined, () => client.disconnect()) : client.disconnect(),
      ),
    );
  }
}
