/**
 * One AMQP connection that heals itself.
 *
 * `start()` returns at once; the Broker connects in the background and, when the
 * connection drops or the first connect fails, tries again with bounded exponential backoff
 * and jitter, forever, until `close()`. A channel can therefore start while RabbitMQ is down
 * and answer AE (publishes fail fast with MEDIBUS_ERR_BROKER_UNAVAILABLE) until it comes.
 *
 * Components register "on connect" hooks (declare topology, open a confirm channel,
 * subscribe): they run in registration order after every (re)connect, before `connected` is
 * emitted. RabbitMQ recommends separate connections for publishers and consumers, because a
 * resource alarm blocks a publishing connection as a whole, acks included (RabbitMQ docs,
 * "Blocked Connection Notifications"): make one Broker for each.
 */
import { EventEmitter } from 'node:events';
import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { errorMessage, MedibusError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { createTlsClient, type TlsClient, type TlsConfig } from '../tls/index.js';
import { settlesWithin } from '../util/settle.js';

export interface BrokerOptions {
  /** amqp://user:pass@host:port/vhost; the password never reaches the log */
  readonly url: string;
  /** shown as connection_name in the RabbitMQ management UI, e.g. `medibus adt publish` */
  readonly name?: string;
  readonly logger?: Logger;
  /** AMQP heartbeat (s): a dead peer is noticed within about two intervals; default 10 */
  readonly heartbeatSeconds?: number;
  /** bound on TCP connect + AMQP handshake; default 5000 */
  readonly connectTimeoutMs?: number;
  /** reconnect backoff: doubles from initial to max (ms); defaults 250 and 15000 */
  readonly reconnect?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /**
   * For amqps:// URLs: the CA to trust and the client certificate to present (RabbitMQ's
   * ssl_options.verify = verify_peer), read again at each (re)connect once the files change.
   * The engine's comes from MEDIBUS_AMQP_TLS_* (cli/broker-options.ts).
   */
  readonly tls?: TlsConfig;
}

export type ConnectHook = (connection: ChannelModel) => Promise<void>;

export interface BrokerEvents {
  /** connected and every hook has run */
  connected: [];
  disconnected: [error: Error | undefined];
  /** RabbitMQ raised a resource alarm (memory, disk) and stopped reading our publishes */
  blocked: [reason: string];
  unblocked: [];
  /** a hook failed; it runs again after the next reconnect */
  'hook-error': [hook: string, error: unknown];
}

interface Hook {
  readonly name: string;
  readonly run: ConnectHook;
}

export class Broker extends EventEmitter<BrokerEvents> {
  readonly #url: string;
  readonly #name: string;
  readonly #log: Logger;
  readonly #heartbeat: number;
  readonly #connectTimeout: number;
  readonly #initialDelay: number;
  readonly #maxDelay: number;
  readonly #tls: TlsClient | undefined;
  #hooks: Hook[] = [];
  #connection: ChannelModel | undefined;
  #ready = false;
  #blocked: string | undefined;
  #started = false;
  #closed = false;
  #failures = 0;
  /** since when the broker has been away (from start until the first connect, and after a drop) */
  #downSince: number | undefined;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt: Promise<void> | undefined;
  /** hooks registered while connected run one after the other, never beside the reconnect pass */
  #hookChain: Promise<void> = Promise.resolve();

  constructor(options: BrokerOptions) {
    super();
    if (!/^amqps?:\/\/[^/]/.test(options.url)) {
      throw new MedibusError('MEDIBUS_ERR_CONFIG_ENV', `the RabbitMQ URL must look like amqp://user:pass@host:5672/vhost, got "${redact(options.url)}"`);
    }
    this.#url = options.url;
    this.#name = options.name ?? 'medibus';
    this.#heartbeat = options.heartbeatSeconds ?? 10;
    this.#connectTimeout = options.connectTimeoutMs ?? 5000;
    this.#initialDelay = options.reconnect?.initialDelayMs ?? 250;
    this.#maxDelay = options.reconnect?.maxDelayMs ?? 15_000;
    this.#log = (options.logger ?? silentLogger).child({ component: 'broker', connection: this.#name, broker: redact(options.url) });
    if (options.tls !== undefined && !options.url.startsWith('amqps://')) {
      throw new MedibusError('MEDIBUS_ERR_TLS_CONFIG', `TLS files are set for RabbitMQ but the URL "${redact(options.url)}" is amqp://: use amqps:// (RabbitMQ's TLS port is 5671 by default)`);
    }
    this.#tls = options.tls === undefined ? undefined : createTlsClient(options.tls, { name: `broker ${this.#name}`, log: this.#log });
  }

  /** connected, and every hook has run on this connection */
  get isConnected(): boolean {
    return this.#connection !== undefined && this.#ready;
  }

  /** ms since the epoch at which the broker went away; undefined while connected */
  get downSince(): number | undefined {
    return this.isConnected ? undefined : this.#downSince;
  }

  /** why the last connect failed or the connection dropped, in words (no password) */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** the resource alarm's reason while RabbitMQ blocks this connection */
  get blockedReason(): string | undefined {
    return this.#blocked;
  }

  /** Starts connecting in the background; never throws, whether or not RabbitMQ is up. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#downSince = Date.now();
    this.#attempt = this.#connectOnce();
  }

  /** Resolves when connected (hooks done); rejects MEDIBUS_ERR_BROKER_UNAVAILABLE after timeoutMs. */
  async waitUntilConnected(timeoutMs: number): Promise<void> {
    if (this.isConnected) return;
    await new Promise<void>((resolve, reject) => {
      const onConnected = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(new MedibusError('MEDIBUS_ERR_BROKER_UNAVAILABLE', `not connected to RabbitMQ after ${timeoutMs} ms`));
      }, timeoutMs);
      this.once('connected', onConnected);
    });
  }

  /**
   * Registers a hook to run after every (re)connect; if connected now, it also runs now.
   * Returns a function that unregisters it.
   */
  onConnect(name: string, run: ConnectHook): () => void {
    const hook: Hook = { name, run };
    this.#hooks.push(hook);
    const connection = this.#connection;
    if (connection && this.#ready) this.#hookChain = this.#hookChain.then(() => this.#runHook(hook, connection));
    return () => {
      this.#hooks = this.#hooks.filter((h) => h !== hook);
    };
  }

  createChannel(): Promise<Channel> {
    return this.#current().createChannel();
  }

  createConfirmChannel(): Promise<ConfirmChannel> {
    return this.#current().createConfirmChannel();
  }

  /**
   * Stops reconnecting and closes the connection (RabbitMQ requeues whatever is unacked). A
   * broker that does not answer connection.close (hung, or the network black-holed) gets
   * connectTimeoutMs, then the socket is dropped: stopping must not wait on it forever.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#tls?.close();
    await this.#attempt;
    const connection = this.#connection;
    if (connection) {
      const closed = connection.close().catch((err: unknown) => this.#log.debug({ err }, 'close failed'));
      if (!(await settlesWithin(closed, this.#connectTimeout))) {
        this.#log.warn({ timeoutMs: this.#connectTimeout }, 'RabbitMQ did not answer the close; dropping the connection');
        socketOf(connection)?.destroy();
      }
    }
    this.#log.info('closed');
  }

  #current(): ChannelModel {
    if (this.#connection) return this.#connection;
    throw new MedibusError('MEDIBUS_ERR_BROKER_UNAVAILABLE', 'not connected to RabbitMQ');
  }

  async #connectOnce(): Promise<void> {
    let connection: ChannelModel;
    try {
      connection = await connect(withHeartbeat(this.#url, this.#heartbeat), {
        // Without TCP_NODELAY, Nagle's algorithm holds small frames back and a publish →
        // confirm round trip waits for delayed ACKs (~40 ms): about 23 confirms/s per channel.
        noDelay: true,
        timeout: this.#connectTimeout,
        clientProperties: { connection_name: this.#name },
        ...this.#tls?.connectOptions(),
      });
    } catch (err) {
      if (this.#closed) return;
      this.#scheduleReconnect(err);
      return;
    }
    if (this.#closed) {
      await connection.close().catch(() => undefined);
      return;
    }
    this.#failures = 0;
    this.#lastError = undefined;
    this.#connection = connection;
    coalesceWrites(connection);
    // 'error' is always followed by 'close'; the listener keeps EventEmitter from throwing.
    connection.on('error', (err: Error) => this.#log.warn({ err: errorSummary(err) }, 'connection error'));
    connection.on('close', (err?: Error) => this.#onClose(connection, err));
    connection.on('blocked', (reason: string) => {
      this.#blocked = reason;
      this.#log.warn({ reason }, 'blocked by RabbitMQ resource alarm');
      this.emit('blocked', reason);
    });
    connection.on('unblocked', () => {
      this.#blocked = undefined;
      this.#log.info('unblocked');
      this.emit('unblocked');
    });
    this.#log.info('connected');
    const pass = this.#hookChain.then(async () => {
      // Index loop on purpose: a hook registered while this pass runs is picked up by it.
      for (let i = 0; i < this.#hooks.length && this.#connection === connection; i++) {
        await this.#runHook(this.#hooks[i], connection);
      }
    });
    this.#hookChain = pass;
    await pass;
    if (this.#connection !== connection) return;
    this.#ready = true;
    this.#downSince = undefined;
    this.emit('connected');
  }

  async #runHook(hook: Hook, connection: ChannelModel): Promise<void> {
    if (this.#connection !== connection) return;
    try {
      await hook.run(connection);
    } catch (err) {
      // A hook that failed because the connection just dropped runs again on reconnect.
      if (this.#connection !== connection) return;
      this.#log.error({ hook: hook.name, err: errorSummary(err) }, 'on-connect hook failed');
      this.emit('hook-error', hook.name, err);
    }
  }

  #onClose(connection: ChannelModel, err: Error | undefined): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    this.#ready = false;
    this.#downSince ??= Date.now();
    if (this.#blocked !== undefined) {
      this.#blocked = undefined;
      this.emit('unblocked');
    }
    this.emit('disconnected', err);
    if (this.#closed) return;
    this.#scheduleReconnect(err);
  }

  #scheduleReconnect(err: unknown): void {
    // Equal jitter: half the delay fixed, half random, so that many instances restarted by
    // the same outage do not reconnect in lockstep.
    const ceiling = Math.min(this.#maxDelay, this.#initialDelay * 2 ** Math.min(this.#failures, 30));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.#failures += 1;
    const why = describeConnectError(err);
    // Warn when the reason is new (first failure, or a broker that now refuses the login
    // where it was only down); the outage log (outage.ts) repeats it at a bounded rate.
    const log = why !== this.#lastError ? this.#log.warn.bind(this.#log) : this.#log.debug.bind(this.#log);
    this.#lastError = why;
    log({ err: errorSummary(err), code: isAuthFailure(err) ? 'MEDIBUS_ERR_BROKER_AUTH' : 'MEDIBUS_ERR_BROKER_UNAVAILABLE', attempt: this.#failures, delayMs: delay }, `${why}; reconnecting`);
    this.#timer = setTimeout(() => {
      this.#attempt = this.#connectOnce();
    }, delay);
  }
}

/**
 * RabbitMQ answers a wrong user or password by closing the handshake with 403
 * ACCESS_REFUSED (AMQP 0-9-1 reply code 403; amqplib: "Handshake terminated by server: 403
 * (ACCESS-REFUSED)"); a vhost the user may not use is 530 NOT_ALLOWED.
 */
export function isAuthFailure(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /\b403\b|ACCESS[-_]REFUSED|\b530\b|NOT[-_]ALLOWED/.test(message);
}

/** One phrase for the log: a refused login is named as such, not as a broker not reachable. */
export function describeConnectError(err: unknown): string {
  if (err === undefined) return 'RabbitMQ closed the connection';
  if (isAuthFailure(err)) {
    const vhost = /\b530\b|NOT[-_]ALLOWED/.test(errorMessage(err));
    return vhost ? 'RabbitMQ refused the login: the user may not use this vhost (530 NOT_ALLOWED)' : 'RabbitMQ refused the login: wrong user or password (403 ACCESS_REFUSED)';
  }
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'RabbitMQ is not reachable: connection refused (nothing listens on that host and port)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'RabbitMQ is not reachable: the host name does not resolve';
  if (code === 'ETIMEDOUT' || /timeout/i.test(err instanceof Error ? err.message : '')) return 'RabbitMQ is not reachable: the connection timed out';
  return `RabbitMQ is not reachable: ${errorMessage(err)}`;
}

/** `amqp://user:***@host:port/vhost` — the log never shows the password. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    u.search = '';
    return u.toString();
  } catch {
    return 'invalid url';
  }
}

function withHeartbeat(url: string, seconds: number): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(seconds));
  return u.toString();
}

/** Error fields safe for the operational log (no message bodies ever reach these errors). */
export function errorSummary(err: unknown): { message: string; code?: unknown } {
  if (err instanceof Error) return 'code' in err ? { message: err.message, code: err.code } : { message: err.message };
  return { message: String(err) };
}

/**
 * amqplib writes every frame of every channel to the socket separately, and with
 * TCP_NODELAY each write is a system call and often a packet: a publish is three frames, an
 * ack one more. Corking the socket until the event loop's next check phase turns every
 * frame written while handling this round of I/O (many messages' publishes and acks) into
 * one writev; nothing waits longer than that round (unlike Nagle's 40 ms). Measured: socket
 * writes were the largest single cost in the engine's profile.
 */
interface AmqpSocket {
  write: (...args: unknown[]) => boolean;
  cork(): void;
  uncork(): void;
  destroy(): void;
}

/**
 * amqplib does not expose its socket in its types; it is `connection.stream` (a net.Socket
 * or tls.TLSSocket), stable since 0.5.
 */
function socketOf(model: ChannelModel): AmqpSocket | undefined {
  return (model.connection as unknown as { stream?: AmqpSocket }).stream;
}

function coalesceWrites(model: ChannelModel): void {
  const stream = socketOf(model);
  if (!stream || typeof stream.cork !== 'function') return;
  const write = stream.write.bind(stream);
  let corked = false;
  stream.write = (...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      stream.cork();
      setImmediate(() => {
        corked = false;
        stream.uncork();
      });
    }
    return write(...args);
  };
}
