/**
 * TLS for a client (MLLP destination, HTTP/FHIR destinations, RabbitMQ): the CA to trust,
 * the client certificate to present, and the server's identity to check — its host name as
 * node:tls checks it (RFC 6125), then allowedSubjects when given. The files are watched like
 * a listener's: `connectOptions()` always returns the current ones, so the next connection
 * uses a renewed client certificate; open connections keep theirs.
 */
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { Logger } from '../log.js';
import type { TlsConfig } from './config.js';
import { contextOptions, tlsConfigError, type TlsMaterial } from './material.js';
import { matchSubject, peerIdentity } from './subject.js';
import { TlsWatcher } from './watch.js';

export interface TlsClientContext {
  /** names the block in logs and errors, e.g. `channel adt destinations[emr]` */
  readonly name: string;
  readonly log: Logger;
  readonly pollIntervalMs?: number;
}

export interface TlsClient {
  /** options for tls.connect / https.Agent / amqplib's socketOptions, with the current files */
  connectOptions(): ConnectionOptions;
  /** `fn` runs after the files changed (e.g. to replace a keep-alive agent) */
  onChange(fn: (material: TlsMaterial) => void): void;
  close(): void;
}

export function checkClientTls(config: TlsConfig, where: string): void {
  if (config.requestCert !== undefined) throw tlsConfigError(`${where}: requestCert is for listeners; a client presents cert and key when the server asks`);
  if (config.rejectUnauthorized === false && config.allowedSubjects !== undefined) {
    throw tlsConfigError(`${where}: allowedSubjects cannot be checked with rejectUnauthorized: false (an unverified certificate can claim any subject)`);
  }
}

/** Loads and checks the files (throws MEDIBUS_ERR_TLS_CONFIG) and starts watching them. */
export function createTlsClient(config: TlsConfig, context: TlsClientContext): TlsClient {
  const where = `${context.name}.tls`;
  checkClientTls(config, where);
  const watcher = new TlsWatcher(config, { where, log: context.log.child({ tls: context.name }), ...(context.pollIntervalMs === undefined ? {} : { pollIntervalMs: context.pollIntervalMs }) });
  watcher.start();
  const allowed = config.allowedSubjects;
  const verify = (host: string, cert: PeerCertificate): Error | undefined => {
    const hostError = checkServerIdentity(host, cert);
    if (hostError !== undefined) return hostError;
    if (allowed === undefined) return undefined;
    const peer = peerIdentity(cert);
    if (matchSubject(peer, allowed) !== undefined) return undefined;
    return Object.assign(new Error(`the server's certificate (${peer.subject}) is not in ${where}.allowedSubjects`), { code: 'ERR_TLS_SUBJECT_NOT_ALLOWED' });
  };
  return {
    connectOptions: () => ({
      ...contextOptions(watcher.current),
      rejectUnauthorized: config.rejectUnauthorized ?? true,
      minVersion: 'TLSv1.2',
      checkServerIdentity: verify,
      ...(config.servername === undefined ? {} : { servername: config.servername }),
    }),
    onChange: (fn) => watcher.onChange(fn),
    close: () => watcher.close(),
  };
}
