import type { Db } from './db.ts';
import { isUniqueViolation } from './errors.ts';

export interface Template {
  id: string;
  name: string;
  ouId: string | null;
  config: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const cols = ['id', 'name', 'ou_id', 'config', 'created_at', 'updated_at'] as const;
const toTemplate = (r: {
  id: string;
  name: string;
  ou_id: string | null;
  config: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}): Template => ({
  id: r.id,
  name: r.name,
  ouId: r.ou_id,
  config: r.config,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Undefined when the name is taken. */
export async function insertTemplate(
  db: Db,
  tenantId: string,
  t: { id: string; name: string; ouId: string | null; config: Record<string, unknown>; now: Date },
): Promise<Template | undefined> {
  try {
    const r = await db
      .insertInto('templates')
      .values({
        tenant_id: tenantId,
        id: t.id,
        name: t.name,
        ou_id: t.ouId,
        config: JSON.stringify(t.config),
        created_at: t.now,
        updated_at: t.now,
      })
      .returning(cols)
      .executeTakeFirstOrThrow();
    return toTemplate(r);
  } catch (e) {
    if (isUniqueViolation(e)) return undefined;
    throw e;
  }
}

export async function getTemplate(
  db: Db,
  tenantId: string,
  id: string,
): Promise<Template | undefined> {
  const r = await db
    .selectFrom('templates')
    .select(cols)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r && toTemplate(r);
}

export async function listTemplates(
  db: Db,
  tenantId: string,
  ouIds?: (string | null)[],
): Promise<Template[]> {
  let q = db.selectFrom('templates').select(cols).where('tenant_id', '=', tenantId).orderBy('name');
  if (ouIds)
    q = q.where((eb) =>
      eb.or(ouIds.map((o) => (o === null ? eb('ou_id', 'is', null) : eb('ou_id', '=', o)))),
    );
  return (await q.execute()).map(toTemplate);
}

export async function deleteTemplate(db: Db, tenantId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('templates')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
