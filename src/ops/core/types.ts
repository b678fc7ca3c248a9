/**
 * What the operators' app (app.ts) needs from the rest of medibus, as narrow ports, so that
 * the app is built from parts a test can start for real: the engine's channels, the broker
 * and the status bus. The store is src/store's MessageStore.
 */
import type { ChannelState } from '../../pipeline/channel.js';
import type { ChannelConfig } from '../../config/types.js';
import type { ChannelTopology } from '../../broker/topology.js';
import { ROLES, type Role } from '../../store/types.js';

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

export type { AuditEntry, MessageStore, Role } from '../../store/types.js';
