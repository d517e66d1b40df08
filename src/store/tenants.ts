import type { Db } from './db.ts';
import { defaultTenantSettings, type TenantSettings } from '../domain/tenant.ts';

export interface Tenant {
  id: string;
  name: string;
  settings: TenantSettings;
  createdAt: Date;
  updatedAt: Date;
}

const toTenant = (r: {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}): Tenant => ({
  id: r.id,
  name: r.name,
  // Settings added later (localWindows, numberCaps) read as their defaults for older tenants.
  settings: { ...defaultTenantSettings(), ...r.settings } as TenantSettings,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const cols = ['id', 'name', 'settings', 'created_at', 'updated_at'] as const;

export async function insertTenant(
  db: Db,
  t: { id: string; name: string; settings: TenantSettings; callbackSecret: string; now: Date },
): Promise<Tenant | undefined> {
  const row = await db
    .insertInto('tenants')
    .values({
      id: t.id,
      name: t.name,
      settings: JSON.stringify(t.settings),
      callback_secret: t.callbackSecret,
      created_at: t.now,
      updated_at: t.now,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning(cols)
    .executeTakeFirst();
  return row && toTenant(row);
}

export async function getTenant(db: Db, id: string): Promise<Tenant | undefined> {
  const row = await db.selectFrom('tenants').select(cols).where('id', '=', id).executeTakeFirst();
  return row && toTenant(row);
}

export async function listTenants(db: Db): Promise<Tenant[]> {
  const rows = await db.selectFrom('tenants').select(cols).orderBy('id').execute();
  return rows.map(toTenant);
}

export async function updateTenant(
  db: Db,
  id: string,
  patch: { name?: string; settings?: TenantSettings; callbackSecret?: string; now: Date },
): Promise<Tenant | undefined> {
  const row = await db
    .updateTable('tenants')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.settings ? { settings: JSON.stringify(patch.settings) } : {}),
      ...(patch.callbackSecret ? { callback_secret: patch.callbackSecret } : {}),
      updated_at: patch.now,
    })
    .where('id', '=', id)
    .returning(cols)
    .executeTakeFirst();
  return row && toTenant(row);
}

export async function getCallbackSecret(db: Db, id: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('tenants')
    .select('callback_secret')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.callback_secret;
}

export async function deleteTenant(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
