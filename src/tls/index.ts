export { TLS_REF, tlsSchema, type TlsConfig } from './config.js';
export { createTlsClient, checkClientTls, type TlsClient, type TlsClientContext } from './client.js';
export { isPemText, loadTlsMaterial, type CertificateSummary, type TlsMaterial } from './material.js';
export { createTlsServerOptions, checkServerTls, HANDSHAKE_TIMEOUT_MS, type TlsServerContext, type TlsServerSetup } from './server.js';
export { REFUSAL_REASONS, tlsListenerStats, type RefusalReason, type TlsListenerSnapshot } from './stats.js';
export { matchSubject, parseAltNames, peerIdentity, type PeerIdentity } from './subject.js';
export { TlsWatcher, type TlsWatchOptions } from './watch.js';
