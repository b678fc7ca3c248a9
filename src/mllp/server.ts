import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { MedibusError } from '../errors.js';
import type { Logger } from '../log.js';
import { createTlsServerOptions, type TlsConfig, type TlsServerSetup } from '../tls/index.js';
import { MllpConnection, type MllpHandler } from './connection.js';

export type { MllpConnectionInfo, MllpHandler } from './connection.js';

export interface MllpServerOptions {
  /** interface to bind; required, because listening on every interface must be a choice */
  readonly host: string;
  /** 0 picks a free port (see `address()`) */
  readonly port: number;
  /** largest payload buffered, in bytes; larger frames go to `onOversize` */
  readonly maxFrameSize: number;
  /** ms without a message in progress before a connection is closed; 0 = never (bytes outside frames do not count) */
  readonly idleTimeout: number;
  /** ms from a frame's start byte to its trailer before the connection is closed; 0 or absent = never */
  readonly frameTimeout?: number;
  /** connections open at once, TLS handshakes in progress included; further ones are closed on accept */
  readonly maxConnections: number;
  /** bytes kept from the start of an oversized frame (default 4 KiB) */
  readonly headSize?: number;
  /** ms `stop()` waits for frames in hand before cutting connections (default 10 s) */
  readonly drainTimeout?: number;
  readonly log: Logger;
  /** MLLP over TLS (and mutual TLS): the channel's `source.tls` */
  readonly tls?: TlsConfig;
  /** names the listener in TLS logs and counters, e.g. `channel adt source` */
  readonly name?: string;
  /** ms between polls of the TLS files (tests shorten it) */
  readonly tlsPollIntervalMs?: number;
}

export const DEFAULT_DRAIN_TIMEOUT = 10_000;

/** a flood of refused connections is logged once, then as one count per this many ms */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/**
 * An MLLP listener (HL7 v2.5.1 Appendix C, MLLP Release 2): accepts TCP connections, cuts
 * each byte stream into frames and answers every frame, in order, with what the handler
 * returns. It knows nothing of HL7 beyond the framing; the handler parses and acknowledges.
 */
export class MllpServer {
  private server: Server | undefined;
  private readonly connections = new Set<MllpConnection>();
  private nextId = 1;
  private stopping: Promise<void> | undefined;
  private readonly log: Logger;
  private tls: TlsServerSetup | undefined;
  /** TCP sockets under the TLS ones; at stop, those left once the connections are done are mid-handshake */
  private readonly rawSockets = new Set<Socket>();
  private refusedSinceLog = 0;
  private refusalLoggedAt = Number.NEGATIVE_INFINITY;
  private refusedTotal = 0;

  constructor(
    private readonly options: MllpServerOptions,
    private readonly handler: MllpHandler,
  ) {
    this.log = options.log;
  }

  /** resolves once listening; rejects if the address cannot be bound (EADDRINUSE, EACCES) */
  async start(): Promise<void> {
    if (this.server) throw new Error('MllpServer already started');
    this.stopping = undefined;
    const server = this.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        this.tls?.close();
        this.tls = undefined;
        reject(listenError(err, this.options.host, this.options.port));
      });
      server.listen({ host: this.options.host, port: this.options.port }, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    server.on('error', (err: NodeJS.ErrnoException) => this.log.error({ errCode: err.code }, 'MLLP listener error'));
    // The kernel-level limit: Node closes a connection past it on accept, before a TLS
    // handshake or a single read, which is the cheapest refusal a flood can get.
    server.maxConnections = this.options.maxConnections;
    server.on('drop', (data?: { remoteAddress?: string; remotePort?: number }) => this.refused(`${data?.remoteAddress ?? '?'}:${data?.remotePort ?? 0}`));
    this.server = server;
    this.log.info({ ...this.address(), tls: this.tls !== undefined, mutualTls: this.options.tls?.requestCert === true }, 'MLLP listener started');
  }

  /** TLS counters and certificate while started with tls, for the dashboard */
  get tlsStats(): TlsServerSetup['stats'] | undefined {
    return this.tls?.stats;
  }

  private createServer(): Server {
    // allowHalfOpen: a sender may send its last message and shut down its write side while
    // it waits for the ACK; without it Node would close our side before we could answer.
    if (this.options.tls === undefined) return createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.onConnection(socket));
    // the files are read (and checked) here: a bad certificate fails start, as a taken port does
    const tls = createTlsServerOptions(this.options.tls, {
      name: this.options.name ?? 'mllp',
      log: this.log,
      ...(this.options.tlsPollIntervalMs === undefined ? {} : { pollIntervalMs: this.options.tlsPollIntervalMs }),
    });
    this.tls = tls;
    const server = createTlsServer({ ...tls.options, allowHalfOpen: true, noDelay: true }, (socket: TLSSocket) => {
      if (tls.admit(socket)) this.onConnection(socket);
    });
    tls.attach(server);
    server.on('connection', (raw: Socket) => {
      this.rawSockets.add(raw);
      raw.once('close', () => this.rawSockets.delete(raw));
    });
    return server;
  }

  /** the bound address once started, e.g. to learn the port chosen for port 0 */
  address(): { host: string; port: number } | undefined {
    const bound = this.server?.address() as AddressInfo | string | null | undefined;
    if (bound === null || bound === undefined || typeof bound === 'string') return undefined;
    return { host: bound.address, port: bound.port };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** connections refused since start because maxConnections were open */
  get refusedConnections(): number {
    return this.refusedTotal;
  }

  /**
   * Logs a refusal: the first at once, then at most one line per interval with the count,
   * so a flood of connects does not turn into a flood of log writes on the message path.
   */
  private refused(remote: string): void {
    this.refusedTotal += 1;
    this.refusedSinceLog += 1;
    const now = performance.now();
    if (now - this.refusalLoggedAt < REFUSAL_LOG_INTERVAL_MS) return;
    this.log.warn({ remote, refused: this.refusedSinceLog, maxConnections: this.options.maxConnections }, 'MLLP connection refused: too many connections');
    this.refusedSinceLog = 0;
    this.refusalLoggedAt = now;
  }

  /**
   * Stops accepting, lets each connection finish the frame its handler is working on (its
   * ACK is still written), closes the rest, and after `drainTimeout` cuts whatever is left.
   * Frames received but not yet started get no ACK: the sender keeps them and resends.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    const open = [...this.connections];
    for (const conn of open) conn.finish();
    const timeoutMs = this.options.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT;
    const abort = new AbortController();
    const drained = await Promise.race([
      Promise.all(open.map((conn) => conn.closed)).then(() => true),
      delay(timeoutMs, false, { signal: abort.signal }).catch(() => false),
    ]);
    abort.abort();
    if (!drained) {
      this.log.warn({ connections: this.connections.size, drainTimeout: timeoutMs }, 'MLLP handlers still busy at stop, closing connections');
      for (const conn of this.connections) conn.destroy();
    }
    for (const raw of this.rawSockets) raw.destroy();
    await listenerClosed;
    this.tls?.close();
    this.tls = undefined;
    this.server = undefined;
    this.log.info('MLLP listener stopped');
  }

  private onConnection(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.options.maxConnections) {
      // Refused at once rather than queued: a sender that cannot connect retries, while one
      // left waiting would time out on an ACK that never comes.
      this.refused(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`);
      socket.destroy();
      return;
    }
    const conn = new MllpConnection(
      socket,
      {
        id: this.nextId++,
        maxFrameSize: this.options.maxFrameSize,
        headSize: this.options.headSize,
        idleTimeout: this.options.idleTimeout,
        ...(this.options.frameTimeout === undefined ? {} : { frameTimeout: this.options.frameTimeout }),
        log: this.log,
      },
      this.handler,
    );
    this.connections.add(conn);
    void conn.closed.then(() => this.connections.delete(conn));
  }
}

/**
 * Why the address could not be bound, in the operator's words; the errno stays in the text
 * (after the reason) so it can be searched for.
 */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number): MedibusError {
  const reason =
    err.code === 'EADDRINUSE'
      ? `port ${port} is in use (on ${host})`
      : err.code === 'EACCES'
        ? `port ${port} needs privileges (ports below 1024 do)`
        : err.code === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this machine`
          : err.message;
  return new MedibusError('MEDIBUS_ERR_SOURCE_LISTEN', `${reason} (${err.code ?? 'listen error'})`, { cause: err });
}
