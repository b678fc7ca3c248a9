import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { MedibusError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { encodeFrame, MllpDecoder, type FrameEvent } from './framing.js';

export interface MllpClientOptions {
  /** explicit peer address; there is no default so a typo cannot send PHI to localhost's neighbour */
  readonly host: string;
  readonly port: number;
  /** ms to establish the TCP connection (default 10 s) */
  readonly connectTimeoutMs?: number;
  /** largest reply accepted, in bytes (default 16 MiB) */
  readonly maxFrameSize?: number;
  readonly log?: Logger;
  /** MLLP over TLS: the options of each new connection (current certificate files; see tls/client.ts) */
  readonly tls?: () => ConnectionOptions;
}

export interface SendOptions {
  /** ms to wait for the reply once the frame is written */
  readonly timeoutMs: number;
  /**
   * Says whether a reply frame answers this payload (typically: its MSA-2 equals the MSH-10
   * sent). A refused frame is counted in `strayReplies` and the wait goes on; without it,
   * the first frame is the reply.
   */
  readonly accept?: (reply: Buffer) => boolean;
}

const DEFAULT_CONNECT_TIMEOUT = 10_000;
const DEFAULT_MAX_FRAME = 16 * 1024 * 1024;

interface Waiter {
  /** the connection the payload went out on: only its replies or its close concern this send */
  readonly socket: Socket;
  readonly accept: ((reply: Buffer) => boolean) | undefined;
  resolve(reply: Buffer): void;
  reject(error: MedibusError): void;
}

/**
 * An MLLP sender (HL7 v2.5.1 Appendix C, MLLP Release 2): one message outstanding per
 * connection, as the original-mode exchange requires (send, wait for the ACK, then send the
 * next). Calls to `send` queue behind each other. A dropped connection is re-opened by the
 * next `send`; a timed-out one is dropped on purpose, because a late reply would otherwise
 * be taken as the answer to the following message.
 */
export class MllpClient {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private waiter: Waiter | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private stray = 0;
  private readonly log: Logger;

  constructor(private readonly options: MllpClientOptions) {
    this.log = (options.log ?? silentLogger).child({ peer: `${options.host}:${options.port}` });
  }

  /** replies nobody waited for or that `accept` refused (duplicate or late ACKs) */
  get strayReplies(): number {
    return this.stray;
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** opens the connection now instead of on the first `send`; rejects with MLLP_CONNECTION */
  async connect(): Promise<void> {
    await this.ensureSocket();
  }

  /** sends one payload (unframed) and resolves with the reply's payload */
  send(payload: Buffer, options: SendOptions): Promise<Buffer> {
    const result = this.tail.then(() => this.sendNow(payload, options));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** closes the connection; a send still waiting rejects with MLLP_CONNECTION; final */
  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket ?? (await this.connecting?.catch(() => undefined));
    if (!socket || socket.destroyed) return;
    const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.destroy();
    await gone;
  }

  private async sendNow(payload: Buffer, options: SendOptions): Promise<Buffer> {
    let socket = await this.ensureSocket();
    if (!socket.writable) {
      // The peer closed while this send waited its turn; nothing was written, so a fresh
      // connection is safe.
      if (this.socket === socket) this.socket = undefined;
      socket = await this.ensureSocket();
    }
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        if (this.socket === socket) this.socket = undefined;
        reject(new MedibusError('MEDIBUS_ERR_MLLP_TIMEOUT', `no reply from ${this.peer()} within ${options.timeoutMs} ms`));
        socket.destroy();
      }, options.timeoutMs);
      this.waiter = {
        socket,
        accept: options.accept,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      socket.write(encodeFrame(payload));
    });
  }

  private ensureSocket(): Promise<Socket> {
    if (this.closed) return Promise.reject(new MedibusError('MEDIBUS_ERR_MLLP_CONNECTION', `MLLP client for ${this.peer()} is closed`));
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private open(): Promise<Socket> {
    // TCP keep-alive: a connection kept open between messages (the destination connector's
    // case) notices a peer that vanished without a FIN before a send waits on it.
    const tcp = { host: this.options.host, port: this.options.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 } as const;
    const socket = this.options.tls === undefined ? netConnect(tcp) : tlsConnect({ ...this.options.tls(), ...tcp });
    // over TLS the connection is usable (and the server's certificate checked) at secureConnect
    const ready = this.options.tls === undefined ? 'connect' : 'secureConnect';
    const decoder = new MllpDecoder({ maxFrameSize: this.options.maxFrameSize ?? DEFAULT_MAX_FRAME });
    let failure: Error | undefined;
    socket.on('data', (chunk: Buffer) => this.onReply(socket, decoder.push(chunk)));
    socket.on('error', (err) => {
      failure = err;
    });
    // The peer's FIN: the next send opens a new connection instead of writing into this one.
    socket.on('end', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      this.log.debug('MLLP client connection closed');
      const waiter = this.takeWaiter(socket);
      waiter?.reject(this.connectionError('connection closed before the reply arrived', failure));
    });
    return new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${this.connectTimeout()} ms`)), this.connectTimeout());
      const fail = (): void => {
        clearTimeout(timer);
        reject(this.connectionError('cannot connect', failure));
      };
      socket.once('close', fail);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off('close', fail);
        if (this.closed) {
          socket.destroy();
          fail();
          return;
        }
        this.socket = socket;
        this.log.debug('MLLP client connected');
        resolve(socket);
      });
    });
  }

  private takeWaiter(socket: Socket, reply?: Buffer): Waiter | undefined {
    const waiter = this.waiter;
    if (waiter?.socket !== socket) return undefined;
    if (reply !== undefined && waiter.accept !== undefined && !waiter.accept(reply)) return undefined;
    this.waiter = undefined;
    return waiter;
  }

  private onReply(socket: Socket, events: FrameEvent[]): void {
    for (const event of events) {
      switch (event.kind) {
        case 'frame': {
          const waiter = this.takeWaiter(socket, event.payload);
          if (waiter) waiter.resolve(event.payload);
          else this.stray += 1;
          break;
        }
        case 'oversize': {
          this.takeWaiter(socket)?.reject(new MedibusError('MEDIBUS_ERR_MLLP_BAD_ACK', `reply of ${event.size} bytes from ${this.peer()} exceeds the client's maxFrameSize`));
          break;
        }
        case 'discarded':
          this.log.debug({ bytes: event.bytes, reason: event.reason }, 'MLLP client discarded bytes outside a frame');
          break;
        default:
          event satisfies never;
      }
    }
  }

  private connectionError(what: string, cause: Error | undefined): MedibusError {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    // a certificate problem needs its words (which name, which CA), not only its code
    const detail = code !== undefined && cause !== undefined && /CERT|TLS|SSL|SIGNATURE|ISSUER/.test(code) ? `${code}: ${cause.message}` : (code ?? cause?.message);
    return new MedibusError('MEDIBUS_ERR_MLLP_CONNECTION', `${this.peer()}: ${what}${detail ? ` (${detail})` : ''}`, { cause });
  }

  private connectTimeout(): number {
    return this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT;
  }

  private peer(): string {
    return `${this.options.host}:${this.options.port}`;
  }
}
