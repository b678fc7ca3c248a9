/**
 * What TLS costs an MLLP sender: ACK round trip on one kept-open connection (plain TCP, TLS,
 * mutual TLS), and a new connection per message (connect + handshake + one ACK + close), which
 * is what senders that reconnect for every message pay. The listener is medibus's own
 * MllpServer answering a fixed ACK (no broker), so the figures are the transport's alone.
 * Certificates are EC P-256, made with openssl as docs/security.md shows.
 *
 *   npx tsx bench/tls.ts [messages]        (or npm run bench -- tls)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import { silentLogger } from '../src/log.js';
import { MllpClient } from '../src/mllp/client.js';
import { MllpServer } from '../src/mllp/server.js';
import type { TlsConfig } from '../src/tls/index.js';
import { makePki, type TestPki } from '../test/support/certificates.js';

const MESSAGE = Buffer.from('MSH|^~\\&|LIS|H|MEDIBUS|H|20261207120000||ORU^R01|BENCH-1|P|2.5.1\rPID|1||BENCH^^^H^MR\rOBX|1|NM|718-7^Hb^LN||13.2|g/dL\r');
const ACK = Buffer.from('MSH|^~\\&|MEDIBUS|H|LIS|H|20261207120000||ACK^R01|A1|P|2.5.1\rMSA|AA|BENCH-1\r');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

async function listener(tls: TlsConfig | undefined): Promise<MllpServer> {
  const server = new MllpServer(
    { host: '127.0.0.1', port: 0, maxFrameSize: 1 << 20, idleTimeout: 0, maxConnections: 64, drainTimeout: 100, log: silentLogger, name: 'bench', ...(tls === undefined ? {} : { tls }) },
    { onFrame: () => Promise.resolve(ACK), onOversize: () => undefined },
  );
  await server.start();
  return server;
}

async function keptOpen(port: number, tls: ConnectionOptions | undefined, n: number): Promise<number[]> {
  const client = new MllpClient({ host: '127.0.0.1', port, ...(tls === undefined ? {} : { tls: () => tls }) });
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await client.send(MESSAGE, { timeoutMs: 5000 });
      times.push(performance.now() - t);
    }
  } finally {
    await client.close();
  }
  return times;
}

async function perMessage(port: number, tls: ConnectionOptions | undefined, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const client = new MllpClient({ host: '127.0.0.1', port, ...(tls === undefined ? {} : { tls: () => tls }) });
    await client.send(MESSAGE, { timeoutMs: 5000 });
    await client.close();
    times.push(performance.now() - t);
  }
  return times;
}

export async function runTlsBench(messages = 2000): Promise<void> {
  const pki: TestPki = await makePki();
  try {
    const serverOnly: TlsConfig = { cert: pki.server.cert, key: pki.server.key };
    const mutual: TlsConfig = { ...serverOnly, ca: pki.ca, requestCert: true, allowedSubjects: ['CN=lis-01.hospital.test'] };
    const trust: ConnectionOptions = { ca: readFileSync(pki.ca), servername: 'localhost' };
    const withCert: ConnectionOptions = { ...trust, cert: readFileSync(pki.goodClient.cert), key: readFileSync(pki.goodClient.key) };
    const rows: Array<[string, TlsConfig | undefined, ConnectionOptions | undefined]> = [
      ['plain TCP', undefined, undefined],
      ['TLS (server certificate)', serverOnly, trust],
      ['mutual TLS + allowedSubjects', mutual, withCert],
    ];
    process.stdout.write(`MLLP ACK round trip, ${messages} messages on one connection; then ${Math.ceil(messages / 10)} messages with a new connection each\n`);
    process.stdout.write(`${'transport'.padEnd(30)} ${'kept-open p50'.padStart(14)} ${'p99'.padStart(8)} ${'new-conn p50'.padStart(13)} ${'p99'.padStart(8)}\n`);
    for (const [label, serverTls, clientTls] of rows) {
      const server = await listener(serverTls);
      try {
        const port = server.address()!.port;
        await keptOpen(port, clientTls, 200); // warm-up
        const open = (await keptOpen(port, clientTls, messages)).sort((a, b) => a - b);
        const fresh = (await perMessage(port, clientTls, Math.ceil(messages / 10))).sort((a, b) => a - b);
        const ms = (v: number): string => `${v.toFixed(3)} ms`;
        process.stdout.write(`${label.padEnd(30)} ${ms(percentile(open, 50)).padStart(14)} ${ms(percentile(open, 99)).padStart(8)} ${ms(percentile(fresh, 50)).padStart(13)} ${ms(percentile(fresh, 99)).padStart(8)}\n`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await pki.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runTlsBench(Number(process.argv[2]) || 2000);
