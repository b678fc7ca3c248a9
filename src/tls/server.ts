/**
 * TLS for a listener (MLLP source; the DICOM listener and the dashboard call the same
 * functions, docs/security.md). The handshake itself does not refuse a client certificate
 * (rejectUnauthorized: false): `admit` decides once the handshake is done, because only then
 * can the refusal be logged with the certificate's subject — a handshake abort by OpenSSL
 * tells the server nothing about who knocked. A refused socket is destroyed before a byte of
 * its data is read. TLS 1.2 is the floor (RFC 8996 deprecates 1.0 and 1.1).
 */
import type { Server as HttpsServer } from 'node:https';
import type { Server, TlsOptions, TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import type { TlsConfig } from './config.js';
import { contextOptions, tlsConfigError } from './material.js';
import { registerListener, type RefusalReason, type TlsListenerStats } from './stats.js';
import { matchSubject, peerIdentity } from './subject.js';
import { TlsWatcher } from './watch.js';

export interface TlsServerContext {
  /** names the listener in logs and in tlsListenerStats(), e.g. `channel adt source` */
  readonly name: string;
  readonly log: Logger;
  /** ms between polls of the files (tests shorten it); see TlsWatcher */
  readonly pollIntervalMs?: number;
}

export interface TlsServerSetup {
  /** for tls.createServer / https.createServer (spread your own options after them) */
  readonly options: TlsOptions;
  /**
   * Wires a created server: reloaded files become its context for new connections
   * (server.setSecureContext; open connections keep theirs), handshake failures are logged
   * and counted. Call once, before listen.
   */
  attach(server: Server | HttpsServer): void;
  /** After the handshake: true lets the socket through; false has logged, counted and destroyed it. */
  admit(socket: TLSSocket): boolean;
  readonly stats: TlsListenerStats;
  readonly watcher: TlsWatcher;
  /** stops watching the files */
  close(): void;
}

/** a TLS handshake that has not finished by then is dropped (Node's default is 120 s) */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Checks a listener's tls block; throws MEDIBUS_ERR_TLS_CONFIG naming the key. */
export function checkServerTls(config: TlsConfig, where: string): void {
  if (config.cert === undefined || config.key === undefined) throw tlsConfigError(`${where}: a listener needs cert and key`);
  if (config.requestCert === true && config.ca === undefined) {
    throw tlsConfigError(`${where}: requestCert needs ca, the CA that signs the client certificates (without it any publicly signed certificate would do)`);
  }
  if (config.allowedSubjects !== undefined && config.requestCert !== true) {
    throw tlsConfigError(`${where}: allowedSubjects needs requestCert: true (without a client certificate there is no subject to check)`);
  }
  if (config.rejectUnauthorized !== undefined || config.servername !== undefined) {
    throw tlsConfigError(`${where}: ${config.rejectUnauthorized !== undefined ? 'rejectUnauthorized' : 'servername'} is for clients; a listener refuses unknown clients with requestCert and allowedSubjects`);
  }
}

/**
 * Loads and checks the files (throws MEDIBUS_ERR_TLS_CONFIG), starts watching them, and
 * returns what a server needs. For a plain node:tls server:
 *
 *   const tls = createTlsServerOptions(config, { name: 'dicom', log });
 *   const server = createServer(tls.options, (socket) => { if (tls.admit(socket)) handle(socket); });
 *   tls.attach(server);
 *
 * For https (fastify's `https` option): pass `tls.options`, then `tls.attach(server)`, and
 * call `tls.admit(req.socket)` in an onRequest hook (or on the server's 'secureConnection').
 */
export function createTlsServerOptions(config: TlsConfig, context: TlsServerContext): TlsServerSetup {
  const where = `${context.name}.tls`;
  checkServerTls(config, where);
  const log = context.log.child({ tls: context.name });
  const watcher = new TlsWatcher(config, { where, log, ...(context.pollIntervalMs === undefined ? {} : { pollIntervalMs: context.pollIntervalMs }) });
  const stats = registerListener(context.name, () => watcher.current.certificate);
  const mutual = config.requestCert === true;
  const allowed = config.allowedSubjects;
  const refuse = (socket: TLSSocket, reason: RefusalReason, subject: string, detail?: string): false => {
    stats.refused[reason] += 1;
    log.warn({ event: 'tls-refused', remote: remoteOf(socket), subject, reason, ...(detail === undefined ? {} : { detail }) }, 'TLS client refused');
    socket.destroy();
    return false;
  };
  watcher.start();
  return {
    options: { ...contextOptions(watcher.current), requestCert: mutual, rejectUnauthorized: false, minVersion: 'TLSv1.2', handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
    stats,
    watcher,
    attach(server) {
      watcher.onChange((material) => server.setSecureContext(contextOptions(material)));
      server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
        stats.refused.handshake += 1;
        log.warn({ event: 'tls-refused', remote: remoteOf(socket), reason: 'handshake', detail: error.code ?? error.message }, 'TLS handshake failed');
      });
    },
    admit(socket) {
      if (!mutual) {
        stats.accepted += 1;
        return true;
      }
      const cert = socket.getPeerCertificate();
      const present = cert !== undefined && Object.keys(cert).length > 0;
      if (!present) return refuse(socket, 'no-certificate', '');
      const peer = peerIdentity(cert);
      if (!socket.authorized) return refuse(socket, 'untrusted', peer.subject, String(socket.authorizationError ?? 'not signed by the configured ca'));
      if (allowed !== undefined && matchSubject(peer, allowed) === undefined) return refuse(socket, 'subject', peer.subject);
      stats.accepted += 1;
      return true;
    },
    close() {
      watcher.close();
      stats.unregister();
    },
  };
}

function remoteOf(socket: TLSSocket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
}
