import type { Db } from './db.ts';

export const ROLES = ['system_admin', 'tenant_admin', 'ou_operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: string;
  tenantId: string | null;
  role: Role;
  ouId: string | null;
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

type Row = {
  id: string;
  tenant_id: string | null;
  role: string;
  ou_id: string | null;
  name: string;
  created_at: Date;
  revoked_at: Date | null;
};
const toKey = (r: Row): ApiKey => ({
  id: r.id,
  tenantId: r.tenant_id,
  role: r.role as Role,
  ouId: r.ou_id,
  name: r.name,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});
const cols = ['id', 'tenant_id', 'role', 'ou_id', 'name', 'created_at', 'revoked_at'] as const;

export async function insertApiKey(
  db: Db,
  k: {
    id: string;
    tenantId: string | null;
    role: Role;
    ouId: string | null;
    name: string;
    secretHash: string;
    now: Date;
  },
): Promise<ApiKey> {
  const row = await db
    .insertInto('api_keys')
    .values({
      id: k.id,
      tenant_id: k.tenantId,
      role: k.role,
      ou_id: k.ouId,
      name: k.name,
      secret_hash: k.secretHash,
      created_at: k.now,
    })
    .returning(cols)
    .executeTakeFirstOrThrow();
  return toKey(row);
}

/** The key and its secret hash, for authentication; revoked keys are not returned. */
export async function findActiveKey(
  db: Db,
  id: string,
): Promise<(ApiKey & { secretHash: string }) | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select([...cols, 'secret_hash'])
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row && { ...toKey(row), secretHash: row.secret_hash };
}

export async function listApiKeys(db: Db, tenantId: string | null): Promise<ApiKey[]> {
  let q = db.selectFrom('api_keys').select(cols).orderBy('created_at').orderBy('id');
  q = tenantId === null ? q.where('tenant_id', 'is', null) : q.where('tenant_id', '=', tenantId);
  return (await q.execute()).map(toKey);
}

export async function revokeApiKey(
  db: Db,
  tenantId: string | null,
  id: string,
  now: Date,
): Promise<boolean> {
  let q = db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null);
  q = tenantId === null ? q.where('tenant_id', 'is', null) : q.where('tenant_id', '=', tenantId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function countSystemKeys(db: Db): Promise<number> {
  const r = await db
    .selectFrom('api_keys')
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('tenant_id', 'is', null)
    .where('role', '=', 'system_admin')
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
