import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/send.js';
import { buildAck, encodeText, parseMessage } from '../../src/hl7/index.js';
import { silentLogger } from '../../src/log.js';
import { MllpServer, type MllpHandler } from '../../src/mllp/server.js';

const FILE = fileURLToPath(new URL('../../fixtures/mllp/adt-three-lf.hl7', import.meta.url));

/** A receiver that acknowledges like an HL7 system: AR with an ERR when PID-3 is empty. */
function receiver(received: string[]): MllpHandler {
  return {
    async onFrame(payload) {
      received.push(payload.toString('utf8'));
      const msg = parseMessage(payload);
      const missing = msg.get('PID-3') === '';
      const ack = missing
        ? buildAck(msg, {
            code: 'AR',
            controlId: `ACK-${msg.header.controlId}`,
            text: 'Patient identifier missing',
            errors: [{ code: '101', location: { segment: 'PID', sequence: 1, field: 3 }, applicationCode: 'MEDIBUS_ERR_HL7_REQUIRED_FIELD', diagnostic: 'PID-3 is empty' }],
          })
        : buildAck(msg, { code: 'AA', controlId: `ACK-${msg.header.controlId}` });
      return encodeText(ack.toString(), msg.charset);
    },
    onOversize: () => undefined,
  };
}

const servers: MllpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function listen(handler: MllpHandler): Promise<number> {
  const server = new MllpServer({ host: '127.0.0.1', port: 0, maxFrameSize: 1 << 20, idleTimeout: 0, maxConnections: 4, drainTimeout: 100, log: silentLogger }, handler);
  await server.start();
  servers.push(server);
  return server.address()!.port;
}

async function send(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe('medibus send', () => {
  it('sends every message of the file in order, CR-terminated, and prints each ACK', async () => {
    const received: string[] = [];
    const port = await listen(receiver(received));
    const result = await send([FILE, '--port', String(port)]);
    expect(result.out.split('\n')).toEqual([
      '#1 ADT^A01 ctrl=MSG00001 → AA',
      '#2 ADT^A08 ctrl=MSG00002 → AR',
      '    Patient identifier missing',
      '    ERR PID-3 101 Required field missing: PID-3 is empty [MEDIBUS_ERR_HL7_REQUIRED_FIELD]',
      '#3 ADT^A03 ctrl=MSG00003 → AA',
      '',
    ]);
    expect(result.code).toBe(1);
    expect(received.map((m) => m.slice(0, 3))).toEqual(['MSH', 'MSH', 'MSH']);
    for (const m of received) {
      expect(m).not.toContain('\n');
      expect(m.endsWith('\r')).toBe(true);
      expect(m.split('\r').filter((s) => s !== '')).toHaveLength(4);
    }
  });

  it('exits 0 when every message is accepted', async () => {
    const port = await listen({
      async onFrame(payload) {
        const msg = parseMessage(payload);
        return encodeText(buildAck(msg, { code: 'AA', controlId: 'A' }).toString(), msg.charset);
      },
      onOversize: () => undefined,
    });
    const result = await send([FILE, '--port', String(port), '--host', '127.0.0.1']);
    expect(result.code).toBe(0);
    expect(result.out.match(/→ AA/g)).toHaveLength(3);
  });

  it('stops at the first message without an ACK (timeout) and says how many were not sent', async () => {
    const port = await listen({ onFrame: () => new Promise<undefined>(() => undefined), onOversize: () => undefined });
    const result = await send([FILE, '--port', String(port), '--timeout', '200ms']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^#1 ADT\^A01 ctrl=MSG00001 → no ACK: MEDIBUS_ERR_MLLP_TIMEOUT/);
    expect(result.err).toContain('2 message(s) not sent');
  });

  it('reports a refused connection', async () => {
    const port = await listen(receiver([]));
    await servers.pop()!.stop();
    const result = await send([FILE, '--port', String(port)]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('no ACK: MEDIBUS_ERR_MLLP_CONNECTION');
  });

  it('flags an ACK whose MSA-2 names another message', async () => {
    const port = await listen({
      async onFrame() {
        return Buffer.from('MSH|^~\\&|R|F|S|F|20240101||ACK|X|P|2.5.1\rMSA|AA|SOMETHING-ELSE\r');
      },
      onOversize: () => undefined,
    });
    const result = await send([FILE, '--port', String(port)]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('#1 ADT^A01 ctrl=MSG00001 → AA (the ACK names ctrl=SOMETHING-ELSE)');
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await send([FILE])).err).toContain('--port is required');
    expect((await send([FILE, '--port', 'abc'])).code).toBe(2);
    expect((await send([FILE, '--port', '2575', '--timeout', 'soon'])).err).toContain('--timeout must be a duration');
    expect((await send([FILE, '--port', '2575', '--charset', 'KLINGON'])).err).toContain('MEDIBUS_ERR_HL7_CHARSET');
    expect((await send(['--port', '2575'])).err).toContain('FILE is missing');
    expect((await send(['/nonexistent.hl7', '--port', '2575'])).err).toContain('cannot read /nonexistent.hl7: ENOENT');
    expect((await send(['--help'])).code).toBe(0);
  });

  it('does not wait for an ACK a message asked not to get (enhanced mode, MSH-15 NE)', async () => {
    const received: string[] = [];
    // A receiver in enhanced mode answers nothing to MSH-15 NE, as medibus itself does.
    const port = await listen({ onFrame: async (payload) => void received.push(payload.toString('utf8')), onOversize: () => undefined });
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'medibus-send-')), 'ne.hl7');
    await writeFile(file, 'MSH|^~\\&|LIS|LAB|EMR|HOSP|20240101||ORU^R01|NE-1|P|2.5.1|||NE|AL\rPID|1||M1\r');
    const result = await send([file, '--port', String(port), '--timeout', '10s']);
    expect(result.out).toBe('#1 ORU^R01 ctrl=NE-1 → sent (MSH-15 NE: no ACK expected, none came)\n');
    expect(result.code).toBe(0);
    expect(received).toHaveLength(1);
  });
});
