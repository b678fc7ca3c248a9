/**
 * MLLP framing, pure (no sockets): `encodeFrame` and a streaming `MllpDecoder`.
 *
 * A block is `<SB> payload <EB><CR>` with SB = 0x0B, EB = 0x1C, CR = 0x0D (HL7 v2.5.1
 * Appendix C, "MLLP Release 2", C.4.3 block format). TCP gives no message boundaries, so the
 * decoder is fed whatever each read returned and must give the same frames however the
 * bytes were cut: a frame over many reads (down to one byte each, with EB and CR in
 * different reads), or several frames in one read.
 *
 * Decisions where the spec leaves room, each documented here because the tests pin them:
 * - **End marker is the pair EB CR.** Release 2 defines the trailer as the two bytes; a lone
 *   0x1C not followed by 0x0D is content (multi-byte character sets may produce it), so it
 *   stays in the payload and the frame goes on.
 * - **Bytes outside a block** (a sender's newline after each frame, a port scanner) are not
 *   HL7; Release 2 says the receiver ignores them. They are counted and reported as a
 *   `discarded` event when the next block starts, or at `end()`, so the caller can warn.
 * - **SB inside a block** means the sender abandoned the partial block and started again
 *   (it timed out and resent, or restarted mid-write). The partial block is dropped and
 *   reported (`reason: 'restart'`); the new block is decoded normally. No ACK is owed for a
 *   block that never ended, and the sender will resend it.
 * - **Oversize**: once a payload passes `maxFrameSize` the decoder stops buffering, keeps
 *   only the first `headSize` bytes (enough for MSH, so a negative ACK can be addressed),
 *   counts the rest until the trailer, then emits `oversize` with the head and the total
 *   size. Memory per connection stays bounded by max(maxFrameSize, headSize).
 */

export const SB = 0x0b;
export const EB = 0x1c;
export const CR = 0x0d;

const TRAILER = Buffer.from([EB, CR]);
const START = Buffer.from([SB]);

/**
 * Wraps one payload in an MLLP block. The caller must not pass bytes containing SB or the
 * pair EB CR: Release 2 makes keeping them out of the content the sender's duty (C.4.3).
 */
export function encodeFrame(payload: Buffer): Buffer {
  return Buffer.concat([START, payload, TRAILER], payload.length + 3);
}

export type DiscardReason = 'outside-frame' | 'restart' | 'truncated';

export type FrameEvent =
  | { readonly kind: 'frame'; readonly payload: Buffer }
  | { readonly kind: 'oversize'; readonly head: Buffer; readonly size: number }
  | { readonly kind: 'discarded'; readonly bytes: number; readonly reason: DiscardReason };

export interface DecoderOptions {
  /** largest payload buffered whole, in bytes */
  readonly maxFrameSize: number;
  /** bytes kept from the start of an oversized payload (default 4 KiB) */
  readonly headSize?: number;
}

export const DEFAULT_HEAD_SIZE = 4096;

export class MllpDecoder {
  private readonly maxFrameSize: number;
  private readonly headSize: number;
  private inFrame = false;
  /** the previous chunk ended with EB inside a frame: data or trailer, the next byte says */
  private pendingEb = false;
  private oversize = false;
  /** payload bytes seen in the current frame (all of them, kept or not) */
  private size = 0;
  private parts: Buffer[] = [];
  private kept = 0;
  private garbage = 0;

  constructor(options: DecoderOptions) {
    this.maxFrameSize = options.maxFrameSize;
    this.headSize = options.headSize ?? DEFAULT_HEAD_SIZE;
  }

  /** bytes of the frame being received, for tests and memory checks */
  get buffered(): number {
    return this.kept;
  }

  /** a start byte arrived and its frame has not ended yet */
  get receiving(): boolean {
    return this.inFrame;
  }

  /** feeds one read; returns what completed in it, in stream order */
  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    const len = chunk.length;
    // Cached positions of the next SB and EB, so a payload full of lone EBs stays O(n).
    let nextSb = -2;
    let nextEb = -2;
    let i = 0;
    while (i < len) {
      if (!this.inFrame) {
        if (nextSb < i && nextSb !== -1) nextSb = chunk.indexOf(SB, i);
        if (nextSb === -1) {
          this.garbage += len - i;
          break;
        }
        this.garbage += nextSb - i;
        this.startFrame(events);
        i = nextSb + 1;
        continue;
      }
      if (this.pendingEb) {
        this.pendingEb = false;
        if (chunk[i] === CR) {
          this.finishFrame(events);
          i += 1;
          continue;
        }
        // A lone EB is content (see the header); it belongs before this chunk's bytes.
        this.append(Buffer.from([EB]), 0, 1);
      }
      if (nextSb < i && nextSb !== -1) nextSb = chunk.indexOf(SB, i);
      if (nextEb < i && nextEb !== -1) nextEb = chunk.indexOf(EB, i);
      if (nextSb !== -1 && (nextEb === -1 || nextSb < nextEb)) {
        this.append(chunk, i, nextSb);
        this.abandonFrame(events, 'restart');
        this.startFrame(events);
        i = nextSb + 1;
        continue;
      }
      if (nextEb === -1) {
        this.append(chunk, i, len);
        break;
      }
      if (nextEb + 1 === len) {
        this.append(chunk, i, nextEb);
        this.pendingEb = true;
        break;
      }
      if (chunk[nextEb + 1] === CR) {
        this.append(chunk, i, nextEb);
        this.finishFrame(events);
        i = nextEb + 2;
      } else {
        this.append(chunk, i, nextEb + 1);
        i = nextEb + 1;
      }
    }
    return events;
  }

  /** the stream ended: reports a block that never closed and trailing garbage */
  end(): FrameEvent[] {
    const events: FrameEvent[] = [];
    if (this.inFrame) {
      if (this.pendingEb) this.size += 1;
      this.abandonFrame(events, 'truncated');
    }
    this.flushGarbage(events);
    return events;
  }

  private startFrame(events: FrameEvent[]): void {
    this.flushGarbage(events);
    this.inFrame = true;
  }

  private flushGarbage(events: FrameEvent[]): void {
    if (this.garbage > 0) events.push({ kind: 'discarded', bytes: this.garbage, reason: 'outside-frame' });
    this.garbage = 0;
  }

  private append(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.size += to - from;
    if (!this.oversize && this.size > this.maxFrameSize) {
      this.oversize = true;
      if (this.kept > this.headSize) {
        this.parts = [Buffer.from(Buffer.concat(this.parts, this.kept).subarray(0, this.headSize))];
        this.kept = this.headSize;
      }
    }
    const room = this.oversize ? this.headSize - this.kept : to - from;
    if (room <= 0) return;
    const end = Math.min(to, from + room);
    // A whole chunk is kept as is; a slice is copied so it does not pin the larger read.
    const part = from === 0 && end === chunk.length ? chunk : Buffer.from(chunk.subarray(from, end));
    this.parts.push(part);
    this.kept += end - from;
  }

  private finishFrame(events: FrameEvent[]): void {
    // A frame that came in one read is already its own buffer (append copied any slice).
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.kept);
    events.push(this.oversize ? { kind: 'oversize', head: data, size: this.size } : { kind: 'frame', payload: data });
    this.reset();
  }

  /** counts the start byte too: everything from SB on was thrown away */
  private abandonFrame(events: FrameEvent[], reason: DiscardReason): void {
    events.push({ kind: 'discarded', bytes: this.size + 1, reason });
    this.reset();
  }

  private reset(): void {
    this.inFrame = false;
    this.pendingEb = false;
    this.oversize = false;
    this.size = 0;
    this.parts = [];
    this.kept = 0;
  }
}
