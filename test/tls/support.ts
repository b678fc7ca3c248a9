/**
 * Clients for the TLS tests: an MLLP sender over TLS with a chosen certificate (or none), and
 * a bare handshake that reports what the server presented and whether it kept the connection.
 */
import { readFileSync } from 'node:fs';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { MllpClient } from '../../src/mllp/client.js';
import type { CertPair, TestPki } from '../support/certificates.js';

/** tls.connect options trusting the test CA, presenting `as` (or no certificate) */
export function clientOptions(pki: TestPki, as: CertPair | undefined): ConnectionOptions {
  return {
    ca: readFileSync(pki.ca),
    ...(as === undefined ? {} : { cert: readFileSync(as.cert), key: readFileSync(as.key) }),
    servername: 'localhost',
  };
}

export function tlsMllpClient(port: number, options: ConnectionOptions): MllpClient {
  return new MllpClient({ host: '127.0.0.1', port, connectTimeoutMs: 5000, tls: () => options });
}

/** What a TLS peer saw of the server: the certificate's fingerprint, then whether the server hung up. */
export interface Handshake {
  readonly fingerprint: string;
  readonly socket: TLSSocket;
}

export function handshake(port: number, options: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({ ...options, host: '127.0.0.1', port }, () => resolve({ fingerprint: socket.getPeerCertificate().fingerprint256, socket }));
    socket.once('error', reject);
  });
}

/**
 * Sends one frame and says how the exchange ended: the ACK's text, or `closed` when the server
 * dropped the connection without answering (a refused client), within `timeoutMs`.
 */
export async function tryOnce(port: number, options: ConnectionOptions, message: string, timeoutMs = 5000): Promise<string> {
  const client = tlsMllpClient(port, options);
  try {
    return (await client.send(Buffer.from(message, 'utf8'), { timeoutMs })).toString('utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'MEDIBUS_ERR_MLLP_CONNECTION' ? 'closed' : `error ${code ?? String(error)}`;
  } finally {
    await client.close();
  }
}
