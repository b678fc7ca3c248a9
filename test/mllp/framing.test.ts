import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CR, EB, SB, MllpDecoder, encodeFrame, type FrameEvent } from '../../src/mllp/framing.js';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');

/** feeds the chunks one by one and returns every event, plus those of end() */
function decode(chunks: Buffer[], maxFrameSize = 1 << 20, headSize?: number): FrameEvent[] {
  const decoder = new MllpDecoder({ maxFrameSize, headSize });
  return [...chunks.flatMap((chunk) => decoder.push(chunk)), ...decoder.end()];
}

function payloads(events: FrameEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'frame' ? [e.payload.toString('latin1')] : []));
}

function discarded(events: FrameEvent[]): Array<[number, string]> {
  return events.flatMap((e) => (e.kind === 'discarded' ? [[e.bytes, e.reason] as [number, string]] : []));
}

function bytewise(buf: Buffer): Buffer[] {
  return [...buf].map((byte) => Buffer.from([byte]));
}

describe('encodeFrame', () => {
  it('wraps the payload in SB … EB CR', () => {
    expect([...encodeFrame(b('MSH|x'))]).toEqual([SB, ...b('MSH|x'), EB, CR]);
    expect([...encodeFrame(Buffer.alloc(0))]).toEqual([SB, EB, CR]);
  });
});

describe('MllpDecoder', () => {
  const wire = Buffer.concat([encodeFrame(b('MSH|1\r')), encodeFrame(b('MSH|2\r'))]);

  it('decodes several frames from one read', () => {
    expect(payloads(decode([wire]))).toEqual(['MSH|1\r', 'MSH|2\r']);
  });

  it('decodes frames fed one byte at a time, EB and CR in different reads', () => {
    const events = decode(bytewise(wire));
    expect(payloads(events)).toEqual(['MSH|1\r', 'MSH|2\r']);
    expect(discarded(events)).toEqual([]);
  });

  it('keeps a lone EB (not followed by CR) as content, also across a read boundary', () => {
    const payload = Buffer.from([0x41, EB, 0x42, EB, EB, 0x43, EB]);
    expect(decode([encodeFrame(payload)])[0]).toEqual({ kind: 'frame', payload });
    expect(decode(bytewise(encodeFrame(payload)))[0]).toEqual({ kind: 'frame', payload });
    const split = encodeFrame(Buffer.from([0x41, EB, 0x42]));
    expect(decode([split.subarray(0, 3), split.subarray(3)])[0]).toEqual({ kind: 'frame', payload: Buffer.from([0x41, EB, 0x42]) });
  });

  it('reports bytes outside frames when the next frame starts, and at end', () => {
    const events = decode([b('\n\n'), encodeFrame(b('A')), b('GET / HTTP/1.1\r\n'), encodeFrame(b('B')), b('xyz')]);
    expect(events.map((e) => e.kind)).toEqual(['discarded', 'frame', 'discarded', 'frame', 'discarded']);
    expect(discarded(events)).toEqual([
      [2, 'outside-frame'],
      [16, 'outside-frame'],
      [3, 'outside-frame'],
    ]);
  });

  it('treats an SB inside a frame as a restart: the partial frame is dropped, the new one kept', () => {
    const events = decode([Buffer.concat([b('\x0bMSH|partial'), encodeFrame(b('MSH|whole'))])]);
    expect(events).toEqual([
      { kind: 'discarded', bytes: 12, reason: 'restart' },
      { kind: 'frame', payload: b('MSH|whole') },
    ]);
  });

  it('reports a frame cut by the end of the stream as truncated', () => {
    expect(decode([b('\x0bMSH|abc\x1c')])).toEqual([{ kind: 'discarded', bytes: 9, reason: 'truncated' }]);
  });

  it('decodes an empty frame as an empty payload', () => {
    expect(decode([encodeFrame(Buffer.alloc(0))])).toEqual([{ kind: 'frame', payload: Buffer.alloc(0) }]);
  });

  it('accepts a payload of exactly maxFrameSize and turns one byte more into oversize', () => {
    expect(decode([encodeFrame(Buffer.alloc(10, 0x41))], 10)[0]?.kind).toBe('frame');
    expect(decode([encodeFrame(Buffer.alloc(11, 0x41))], 10)).toEqual([{ kind: 'oversize', head: Buffer.alloc(11, 0x41), size: 11 }]);
  });

  it('keeps only the head of an oversized frame, then decodes the next frame normally', () => {
    const big = Buffer.alloc(1_000_000, 0x41);
    big.write('MSH|^~\\&|BIG', 0, 'latin1');
    const decoder = new MllpDecoder({ maxFrameSize: 1000, headSize: 64 });
    const wireBytes = Buffer.concat([encodeFrame(big), encodeFrame(b('MSH|next'))]);
    const events: FrameEvent[] = [];
    let maxBuffered = 0;
    for (let i = 0; i < wireBytes.length; i += 4096) {
      events.push(...decoder.push(wireBytes.subarray(i, i + 4096)));
      maxBuffered = Math.max(maxBuffered, decoder.buffered);
    }
    expect(maxBuffered).toBeLessThanOrEqual(1000);
    expect(events).toEqual([
      { kind: 'oversize', head: big.subarray(0, 64), size: 1_000_000 },
      { kind: 'frame', payload: b('MSH|next') },
    ]);
  });

  it('fills the head past a small maxFrameSize, up to headSize', () => {
    const payload = Buffer.alloc(300, 0x42);
    expect(decode(bytewise(encodeFrame(payload)), 100, 200)).toEqual([{ kind: 'oversize', head: payload.subarray(0, 200), size: 300 }]);
  });
});

// --- properties: whatever the cuts, the same frames come out -------------------------------

/** payload bytes: anything but SB, and never EB directly followed by CR (the trailer) */
const payloadArb = fc
  .uint8Array({ maxLength: 300 })
  .map((bytes) => Buffer.from(bytes.filter((x) => x !== SB)))
  .filter((buf) => !buf.includes(Buffer.from([EB, CR])));
/** bytes between frames: anything but SB (which would open a frame) */
const garbageArb = fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes.filter((x) => x !== SB)));
const streamArb = fc.array(fc.tuple(garbageArb, payloadArb), { maxLength: 12 });
const cutsArb = fc.array(fc.nat(), { maxLength: 30 });

function cut(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (buf.length === 0 ? 0 : c % buf.length)))].sort((x, y) => x - y);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(buf.subarray(last, p));
    last = p;
  }
  chunks.push(buf.subarray(last));
  return chunks;
}

describe('MllpDecoder properties', () => {
  it('any frames and garbage, cut anywhere, decode to the same frames and garbage count', () => {
    fc.assert(
      fc.property(streamArb, garbageArb, cutsArb, (stream, tail, cuts) => {
        const wireBytes = Buffer.concat([...stream.flatMap(([garbage, payload]) => [garbage, encodeFrame(payload)]), tail]);
        const events = decode(cut(wireBytes, cuts));
        expect(events.filter((e) => e.kind === 'frame').map((e) => (e.kind === 'frame' ? e.payload : null))).toEqual(stream.map(([, p]) => p));
        const garbage = stream.reduce((sum, [g]) => sum + g.length, tail.length);
        expect(discarded(events).reduce((sum, [n]) => sum + n, 0)).toBe(garbage);
      }),
      { numRuns: 500 },
    );
  });

  it('abandoned partial frames (a sender that restarted) never change the complete ones', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(payloadArb), payloadArb), { maxLength: 10 }), cutsArb, (stream, cuts) => {
        // The partial frame may end in a lone EB: the next SB must still restart cleanly.
        const wireBytes = Buffer.concat(stream.flatMap(([partial, payload]) => [partial === null ? Buffer.alloc(0) : Buffer.concat([Buffer.from([SB]), partial]), encodeFrame(payload)]));
        const events = decode(cut(wireBytes, cuts));
        expect(events.filter((e) => e.kind === 'frame').map((e) => (e.kind === 'frame' ? e.payload : null))).toEqual(stream.map(([, p]) => p));
        expect(discarded(events)).toEqual(stream.flatMap(([partial]) => (partial === null ? [] : [[partial.length + 1, 'restart']])));
      }),
      { numRuns: 300 },
    );
  });

  it('frames over maxFrameSize come out as oversize with their size and head, in order', () => {
    fc.assert(
      fc.property(streamArb, cutsArb, fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 64 }), (stream, cuts, max, headSize) => {
        const wireBytes = Buffer.concat(stream.map(([, payload]) => encodeFrame(payload)));
        const events = decode(cut(wireBytes, cuts), max, headSize);
        // The head is always the first headSize bytes (or the whole payload if shorter).
        const expected = stream.map(([, p]) => (p.length > max ? { kind: 'oversize', head: p.subarray(0, headSize), size: p.length } : { kind: 'frame', payload: p }));
        expect(events).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
