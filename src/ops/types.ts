/**
 * What the operators' app (app.ts) needs from the rest of medibus, as narrow ports, so that
 * the app is built from parts a test can start for real: the engine's channels, the broker,
 * the status bus, and a store of messages, users, sessions, tokens and the audit log.
 */
import type { ChannelState } from '../pipeline/channel.js';
import type { ChannelConfig } from '../config/types.js';
import type { ChannelTopology } from '../broker/topology.js';
import type { MessageStatus } from '../status/events.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer < operator < admin: each role may do what the roles before it may */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** One running channel as the engine holds it (pipeline/channel.ts ChannelRuntime). */
export interface OpsChannel {
  readonly id: string;
  readonly config: ChannelConfig;
  readonly topology: ChannelTopology;
  readonly state: ChannelState;
  readonly down: string | undefined;
  address(): { host: string; port: number } | undefined;
  pause(): Promise<void>;
  stop(): Promise<void>;
  resume(): Promise<void>;
}

export interface MessageEvent {
  readonly status: MessageStatus;
  readonly at: Date;
  readonly destination?: string;
  readonly attempt?: number;
  readonly code?: string;
  readonly reason?: string;
}

export interface MessageSummary {
  readonly id: string;
  readonly channel: string;
  readonly controlId?: string;
  readonly messageType?: string;
  /** the latest status */
  readonly status: MessageStatus;
  readonly receivedAt: Date;
  readonly updatedAt: Date;
}

export interface MessageDetail extends MessageSummary {
  readonly events: readonly MessageEvent[];
  /** the raw input as text (HL7 v2), when the channel stores content */
  readonly input?: string;
  /** the FHIR Bundle as JSON text, when stored */
  readonly bundle?: string;
}

export interface MessageQuery {
  readonly channel?: string;
  readonly status?: MessageStatus;
  readonly destination?: string;
  readonly controlId?: string;
  readonly messageType?: string;
  readonly patientId?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly limit: number;
}

export interface UserRecord {
  readonly name: string;
  readonly role: Role;
  /** scrypt$N$r$p$salt$hash (passwords.ts) */
  readonly passwordHash: string;
  readonly createdAt: Date;
}

export interface SessionRecord {
  /** sha256 of the cookie value: a stolen store gives no live session */
  readonly idHash: string;
  readonly user: string;
  readonly role: Role;
  readonly expiresAt: Date;
}

export interface TokenRecord {
  readonly name: string;
  /** sha256 of the token */
  readonly tokenHash: string;
  readonly role: Role;
  readonly createdAt: Date;
}

export interface AuditEntry {
  readonly at: Date;
  readonly user: string;
  /** login, login-failed, view-content, replay, start, stop, pause, user-add, token-add, audit-export */
  readonly action: string;
  readonly channel?: string;
  readonly target?: string;
  readonly reason?: string;
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

/** The store as the operators' app uses it (src/store implements it; memory-store.ts for tests without one). */
export interface OpsStore {
  searchMessages(query: MessageQuery): Promise<readonly MessageSummary[]>;
  getMessage(id: string): Promise<MessageDetail | undefined>;
  findUser(name: string): Promise<UserRecord | undefined>;
  putUser(user: UserRecord): Promise<void>;
  listUsers(): Promise<readonly UserRecord[]>;
  putSession(session: SessionRecord): Promise<void>;
  findSession(idHash: string): Promise<SessionRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;
  putToken(token: TokenRecord): Promise<void>;
  findToken(tokenHash: string): Promise<TokenRecord | undefined>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(options: { limit: number; before?: Date }): Promise<readonly AuditEntry[]>;
  /** resolves if the store answers (/ready) */
  ping(): Promise<void>;
}
