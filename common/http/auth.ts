/**
 * Bearer-token authentication for the HTTP API. A token has a tenant and a role and sees only
 * its tenant (interface.md). The installation admin token (API_TOKEN) is the admin of
 * DEFAULT_TENANT and may in addition issue tokens for other tenants.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/** What an API token may do (interface.md): read-only tokens change nothing. */
export type TokenRole = 'admin' | 'operator' | 'read-only';

export interface Caller {
  tenant: string;
  role: TokenRole;
  /** The installation admin (API_TOKEN): may manage tokens of every tenant. */
  installationAdmin: boolean;
  tokenId: string | null;
  /** Authenticated with METRICS_TOKEN: GET /metrics only. */
  metricsOnly?: boolean;
}

export interface TokenResolver {
  resolve(token: string): Promise<Caller | null>;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

export async function authenticate(req: FastifyRequest, resolver: TokenResolver): Promise<Caller> {
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) throw new AppError('UNAUTHORIZED', 'Authorization: Bearer <token> required');
  const caller = await resolver.resolve(m[1]!);
  if (!caller) throw new AppError('UNAUTHORIZED', 'Unknown or revoked token');
  return caller;
}

const WRITE_ROLES: ReadonlySet<string> = new Set(['admin', 'operator']);

export function requireWrite(caller: Caller): void {
  if (!WRITE_ROLES.has(caller.role)) throw new AppError('FORBIDDEN', `role ${caller.role} may not change anything`);
}

/**
 * METRICS_TOKEN against an Authorization header, in constant time (SHA-256 of both: equal
 * lengths for timingSafeEqual, and the token is not kept in clear beyond the config).
 */
export function metricsTokenCheck(token: string): (header: string | undefined) => boolean {
  const want = createHash('sha256').update(token).digest();
  return (header) => {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    return !!m && timingSafeEqual(createHash('sha256').update(m[1]!).digest(), want);
  };
}

/** GET /metrics: admins, or METRICS_TOKEN. No series carries a tenant. */
export function requireMetrics(caller: Caller): void {
  if (!caller.metricsOnly) requireAdmin(caller);
}

export function requireAdmin(caller: Caller): void {
  if (caller.role !== 'admin') throw new AppError('FORBIDDEN', 'admin role required');
}
