import type { Db } from './db.ts';
import {
  emptyWorld,
  RESOURCE_KIND_NAMES,
  type ResourceKind,
  type World,
} from '../domain/resources.ts';
import type { TenantSettings } from '../domain/tenant.ts';

/**
 * All tenant resources share one table (kind, id, ou, JSON document): they are small, read together
 * to validate a task (the World), and their shapes live in domain/resources.ts. Blocklist entries,
 * which can be many and are looked up per number by the engine, have their own table.
 */
export interface ResourceRow {
  id: string;
  ouId: string | null;
  doc: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export async function listResources(
  db: Db,
  tenantId: string,
  kind: ResourceKind,
  opts: { after?: string; limit?: number; ouIds?: (string | null)[] } = {},
): Promise<ResourceRow[]> {
  let q = db
    .selectFrom('resources')
    .select(['id', 'ou_id', 'doc', 'created_at', 'updated_at'])
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', kind)
    .orderBy('id');
  if (opts.after !== undefined) q = q.where('id', '>', opts.after);
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  if (opts.ouIds) {
    const named = opts.ouIds.filter((o): o is string => o !== null);
    const withNull = opts.ouIds.includes(null);
    q = q.where((eb) =>
      eb.or([
        ...(named.length ? [eb('ou_id', 'in', named)] : []),
        ...(withNull ? [eb('ou_id', 'is', null)] : []),
        ...(named.length || withNull ? [] : [eb.lit(false)]),
      ]),
    );
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    ouId: r.ou_id,
    doc: r.doc,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

export async function getResource(
  db: Db,
  tenantId: string,
  kind: ResourceKind,
  id: string,
): Promise<ResourceRow | undefined> {
  const r = await db
    .selectFrom('resources')
    .select(['id', 'ou_id', 'doc', 'created_at', 'updated_at'])
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', kind)
    .where('id', '=', id)
    .executeTakeFirst();
  return (
    r && { id: r.id, ouId: r.ou_id, doc: r.doc, createdAt: r.created_at, updatedAt: r.updated_at }
  );
}

/** Inserts; returns false when the id is taken. */
export async function insertResource(
  db: Db,
  tenantId: string,
  kind: ResourceKind,
  r: { id: string; ouId: string | null; doc: Record<string, unknown>; now: Date },
): Promise<boolean> {
  const res = await db
    .insertInto('resources')
    .values({
      tenant_id: tenantId,
      kind,
      id: r.id,
      ou_id: r.ouId,
      doc: JSON.stringify(r.doc),
      created_at: r.now,
      updated_at: r.now,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'kind', 'id']).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function replaceResource(
  db: Db,
  tenantId: string,
  kind: ResourceKind,
  r: { id: string; ouId: string | null; doc: Record<string, unknown>; now: Date },
): Promise<boolean> {
  const res = await db
    .updateTable('resources')
    .set({ ou_id: r.ouId, doc: JSON.stringify(r.doc), updated_at: r.now })
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', kind)
    .where('id', '=', r.id)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function deleteResource(
  db: Db,
  tenantId: string,
  kind: ResourceKind,
  id: string,
): Promise<boolean> {
  const res = await db
    .deleteFrom('resources')
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', kind)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The tenant's settings and every resource, as task validation needs them. */
export async function loadWorld(db: Db, tenantId: string, tenant: TenantSettings): Promise<World> {
  const world = emptyWorld(tenant);
  const rows = await db
    .selectFrom('resources')
    .select(['kind', 'doc'])
    .where('tenant_id', '=', tenantId)
    .orderBy('kind')
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const kind = r.kind as ResourceKind;
    if (RESOURCE_KIND_NAMES.includes(kind)) (world[kind] as unknown[]).push(r.doc);
  }
  return world;
}
