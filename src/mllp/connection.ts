import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import { encodeFrame, MllpDecoder, type FrameEvent } from './framing.js';

/** What a handler learns about the connection a frame came on (never the payload). */
export interface MllpConnectionInfo {
  /** per-server sequence number, for correlating log lines */
  readonly id: number;
  /** `address:port` of the sender */
  readonly remote: string;
}

/**
 * The server's contract with whoever answers frames. A reply is the payload of the answer
 * (unframed); `undefined` sends nothing, which enhanced-mode senders expect for an `NE`
 * accept-ack (HL7 v2.5.1 §2.9.3, table 0155).
 */
export interface MllpHandler {
  onFrame(payload: Buffer, conn: MllpConnectionInfo, receivedAt: Date): Promise<Buffer | undefined>;
  onOversize(head: Buffer, size: number, conn: MllpConnectionInfo, receivedAt: Date): Buffer | undefined;
}

export interface ConnectionOptions {
  readonly id: number;
  readonly maxFrameSize: number;
  readonly headSize?: number;
  /**
   * ms without a message in progress before the connection is closed; 0 = never. Bytes
   * outside a frame (garbage) do not count as traffic, so a peer trickling junk is idle.
   */
  readonly idleTimeout: number;
  /** ms a frame may take from its start byte to its trailer before the connection is closed; 0 = never */
  readonly frameTimeout?: number;
  readonly log: Logger;
}

type Work =
  | { readonly kind: 'frame'; readonly payload: Buffer; readonly receivedAt: Date }
  | { readonly kind: 'oversize'; readonly head: Buffer; readonly size: number; readonly receivedAt: Date };

/** frames waiting behind the one being handled before reading pauses (a pipelining sender) */
const MAX_QUEUED_FRAMES = 64;

/**
 * One accepted socket. Frames are handled strictly one after another: the reply to frame N
 * is written before the handler sees frame N+1, because HL7 senders match ACKs to messages
 * by order as much as by MSA-2 (MLLP Release 2, C.4.1: one message, then its ACK).
 */
export class MllpConnection {
  readonly info: MllpConnectionInfo;
  /** settles when the socket has closed, whatever the reason */
  readonly closed: Promise<void>;
  private readonly decoder: MllpDecoder;
  private readonly log: Logger;
  private readonly queue: Work[] = [];
  private queuedBytes = 0;
  private busy = false;
  /** no more frames will be handled: the server is stopping or the peer sent FIN */
  private finishing = false;
  private garbageBytes = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private frameTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
    private readonly handler: MllpHandler,
  ) {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.info = { id: options.id, remote };
    this.log = options.log.child({ conn: options.id, remote });
    this.decoder = new MllpDecoder({ maxFrameSize: options.maxFrameSize, headSize: options.headSize });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    // Our own timers rather than socket.setTimeout: any byte resets that one, so a peer
    // trickling a byte a second (slowloris) would hold the connection forever.
    if (options.idleTimeout > 0) this.idleTimer = setTimeout(() => this.onIdle(), options.idleTimeout).unref();
    socket.on('data', (chunk: Buffer) => {
      this.accept(this.decoder.push(chunk));
      this.watchFrame();
    });
    socket.on('end', () => {
      // The sender half-closed; frames already received are still answered (allowHalfOpen).
      this.accept(this.decoder.end());
      this.finishing = true;
      this.pump();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => this.log.warn({ errCode: err.code }, 'MLLP connection error'));
    socket.on('close', () => {
      clearTimeout(this.idleTimer);
      clearTimeout(this.frameTimer);
      const summary = { discardedBytes: this.garbageBytes, unanswered: this.queue.length + (this.busy ? 1 : 0) };
      this.log.info(summary, 'MLLP connection closed');
    });
    this.log.info('MLLP connection opened');
  }

  /** the server is stopping: read nothing more, finish the frame in hand, then close */
  finish(): void {
    this.finishing = true;
    this.socket.pause();
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.pump();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** traffic that counts against idleness: a frame started, completed or answered */
  private active(): void {
    this.idleTimer?.refresh();
  }

  /** arms the frame timer when a start byte arrived, disarms it when no frame is open */
  private watchFrame(): void {
    const timeout = this.options.frameTimeout ?? 0;
    if (timeout <= 0) return;
    if (!this.decoder.receiving) {
      clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
      return;
    }
    if (this.frameTimer !== undefined) return;
    this.active();
    this.frameTimer = setTimeout(() => this.onFrameTimeout(), timeout).unref();
  }

  private onFrameTimeout(): void {
    this.frameTimer = undefined;
    if (this.socket.destroyed || !this.decoder.receiving) return;
    // The partial frame is dropped (no ACK is owed for it; the sender resends); frames
    // already complete are still answered, then the connection is closed.
    this.log.warn({ frameTimeout: this.options.frameTimeout, receivedBytes: this.decoder.buffered }, 'MLLP frame not completed within frameTimeout, closing');
    this.socket.pause();
    this.finishing = true;
    this.pump();
  }

  private accept(events: FrameEvent[]): void {
    const receivedAt = new Date();
    for (const event of events) {
      switch (event.kind) {
        case 'frame':
          this.active();
          this.enqueue({ kind: 'frame', payload: event.payload, receivedAt }, event.payload.length);
          break;
        case 'oversize':
          this.active();
          this.log.warn({ size: event.size, maxFrameSize: this.options.maxFrameSize }, 'MLLP frame too large, answering from its head');
          this.enqueue({ kind: 'oversize', head: event.head, size: event.size, receivedAt }, event.head.length);
          break;
        case 'discarded':
          // The first stray bytes of a connection are worth a warning; a sender that adds a
          // newline after every block would otherwise fill the log, so the rest go to debug
          // and the total is in the close line.
          this.log[this.garbageBytes === 0 || event.reason !== 'outside-frame' ? 'warn' : 'debug'](
            { bytes: event.bytes, reason: event.reason },
            'MLLP bytes discarded',
          );
          this.garbageBytes += event.bytes;
          break;
        default:
          event satisfies never;
      }
    }
  }

  private enqueue(work: Work, bytes: number): void {
    if (this.finishing) return;
    this.queue.push(work);
    this.queuedBytes += bytes;
    if (this.queue.length > MAX_QUEUED_FRAMES || this.queuedBytes > this.options.maxFrameSize) this.socket.pause();
    this.pump();
  }

  private pump(): void {
    if (this.busy || this.socket.destroyed) return;
    const work = this.queue.shift();
    if (work === undefined) {
      if (this.finishing && !this.socket.writableEnded) this.socket.end(() => this.socket.destroy());
      return;
    }
    this.queuedBytes -= work.kind === 'frame' ? work.payload.length : work.head.length;
    if (!this.finishing && this.socket.isPaused() && this.queue.length <= MAX_QUEUED_FRAMES / 2) this.socket.resume();
    this.busy = true;
    void this.handle(work).then(
      () => {
        this.busy = false;
        this.pump();
      },
      (err: unknown) => {
        // The intake never throws; if a handler does, the sender gets no ACK and resends
        // on a new connection, which is safer than answering for a message we lost track of.
        this.busy = false;
        this.log.error({ err }, 'MLLP handler failed, closing the connection');
        this.socket.destroy();
      },
    );
  }

  private async handle(work: Work): Promise<void> {
    const reply =
      work.kind === 'frame'
        ? await this.handler.onFrame(work.payload, this.info, work.receivedAt)
        : this.handler.onOversize(work.head, work.size, this.info, work.receivedAt);
    this.active();
    if (reply === undefined || this.socket.destroyed || this.socket.writableEnded) return;
    if (!this.socket.write(encodeFrame(reply))) await this.writable();
  }

  /** a sender that pipelines without reading its ACKs is not fed more work until it reads */
  private writable(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private onIdle(): void {
    // A handler waiting on the broker is not idleness: the sender is waiting for us.
    // Neither is a frame being received (the frame timer watches that one).
    if (this.busy || this.queue.length > 0 || this.decoder.receiving) {
      this.idleTimer?.refresh();
      return;
    }
    this.log.info({ idleTimeout: this.options.idleTimeout }, 'MLLP connection idle, closing');
    this.finishing = true;
    this.pump();
  }
}
