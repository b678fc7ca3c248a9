/**
 * Counters of every TLS listener in the process, for the dashboard and the status API: how
 * many clients were let through and refused (by reason), and the certificate in use with its
 * expiry. A listener registers when its TLS is set up and leaves when it stops.
 */
import type { CertificateSummary } from './material.js';

export const REFUSAL_REASONS = ['no-certificate', 'untrusted', 'subject', 'handshake'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface TlsListenerStats {
  readonly name: string;
  /** clients admitted after the handshake */
  accepted: number;
  /** no-certificate: mutual TLS and the client sent none; untrusted: not signed by ca (or expired);
   * subject: signed by ca but outside allowedSubjects; handshake: the handshake failed (plain TCP, no shared protocol) */
  readonly refused: Record<RefusalReason, number>;
  /** the certificate the listener presents now */
  certificate(): CertificateSummary | undefined;
  unregister(): void;
}

export interface TlsListenerSnapshot {
  readonly name: string;
  readonly accepted: number;
  readonly refused: Readonly<Record<RefusalReason, number>>;
  readonly certificate: CertificateSummary | undefined;
}

const listeners = new Set<TlsListenerStats>();

export function registerListener(name: string, certificate: () => CertificateSummary | undefined): TlsListenerStats {
  const stats: TlsListenerStats = {
    name,
    accepted: 0,
    refused: Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>,
    certificate,
    unregister: () => listeners.delete(stats),
  };
  listeners.add(stats);
  return stats;
}

/** every running TLS listener's counters, for the dashboard (ops) and /status */
export function tlsListenerStats(): TlsListenerSnapshot[] {
  return [...listeners].map((s) => ({ name: s.name, accepted: s.accepted, refused: { ...s.refused }, certificate: s.certificate() }));
}
