import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.ts';
import { findActiveKey, insertApiKey, type ApiKey, type Role } from '../store/api-keys.ts';
import type { Db } from '../store/db.ts';

/**
 * API keys look like `obk_<id>_<secret>`. Only a SHA-256 of the secret is stored; the key is shown
 * once, when it is created.
 */
export interface Principal {
  keyId: string;
  role: Role;
  tenantId: string | null;
  ouId: string | null;
  /** Who, for audit events. */
  actor: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** An Authorization header as keys are given: one space, no stray whitespace, nothing else. */
export const KEY_HEADER = /^Bearer obk_([0-9a-f]{12})_([A-Za-z0-9_-]+)$/;

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

export async function createApiKey(
  db: Db,
  k: { tenantId: string | null; role: Role; ouId: string | null; name: string; now: Date },
): Promise<{ key: string; apiKey: ApiKey }> {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  const apiKey = await insertApiKey(db, { ...k, id, secretHash: hash(secret) });
  return { key: `obk_${id}_${secret}`, apiKey };
}

export async function authenticate(db: Db, header: string | undefined): Promise<Principal | null> {
  if (!header) return null;
  const m = KEY_HEADER.exec(header);
  if (!m) return null;
  const key = await findActiveKey(db, m[1]!);
  if (!key) return null;
  const a = Buffer.from(key.secretHash, 'hex');
  const b = Buffer.from(hash(m[2]!), 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  return {
    keyId: key.id,
    role: key.role,
    tenantId: key.tenantId,
    ouId: key.ouId,
    actor: `key:${key.id}(${key.name})`,
  };
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal)
    throw new AppError(
      'unauthenticated',
      'a valid API key is required (Authorization: Bearer obk_…)',
    );
  return req.principal;
}

export function requireSystemAdmin(req: FastifyRequest): Principal {
  const p = principalOf(req);
  if (p.role !== 'system_admin')
    throw new AppError('forbidden', 'only a system administrator may do this');
  return p;
}

export type Access = 'read' | 'operate' | 'admin';

/**
 * Checks that the caller may act in `tenantId`: system admins anywhere; other keys only in their own
 * tenant (another tenant answers 404, as if it did not exist). `read`: any role; `operate` (tasks,
 * contacts, templates): tenant admins and OU operators; `admin` (settings, resources, keys): tenant
 * admins. OU operators are further limited to their OU by `requireOu`.
 */
export function requireTenant(req: FastifyRequest, tenantId: string, access: Access): Principal {
  const p = principalOf(req);
  if (p.role === 'system_admin') return p;
  if (p.tenantId !== tenantId) throw new AppError('not_found', `tenant '${tenantId}' not found`);
  if (access === 'read') return p;
  if (p.role === 'viewer') throw new AppError('forbidden', 'this key is read-only (viewer)');
  if (access === 'admin' && p.role !== 'tenant_admin') {
    throw new AppError('forbidden', 'only a tenant administrator may do this');
  }
  return p;
}

/** An OU operator may only see and touch what belongs to its OU. */
export function ouVisible(p: Principal, ouId: string | null | undefined): boolean {
  return p.role !== 'ou_operator' || (ouId ?? null) === p.ouId;
}

export function requireOu(p: Principal, ouId: string | null | undefined): void {
  if (!ouVisible(p, ouId)) {
    throw new AppError('forbidden', `this key is limited to OU '${p.ouId}'`);
  }
}

/** Roles that may see personal data (numbers unmasked, encrypted attributes decrypted). */
export function maySeePersonalData(p: Principal): boolean {
  return p.role !== 'viewer';
}
