import { sql, type SqlBool } from 'kysely';
import type { Db } from './db.ts';
import type { BlocklistEntry } from '../domain/resources.ts';

export async function replaceBlocklistEntries(
  db: Db,
  tenantId: string,
  blocklistId: string,
  entries: BlocklistEntry[],
): Promise<void> {
  await db
    .deleteFrom('blocklist_entries')
    .where('tenant_id', '=', tenantId)
    .where('blocklist_id', '=', blocklistId)
    .execute();
  await upsertBlocklistEntries(db, tenantId, blocklistId, entries);
}

export async function upsertBlocklistEntries(
  db: Db,
  tenantId: string,
  blocklistId: string,
  entries: BlocklistEntry[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    const chunk = entries.slice(i, i + 1000);
    await db
      .insertInto('blocklist_entries')
      .values(
        chunk.map((e) => ({
          tenant_id: tenantId,
          blocklist_id: blocklistId,
          number: e.number,
          expires_at: e.expiresAt,
          restrict_times: e.restrict?.times ?? null,
          restrict_period: e.restrict?.period ?? null,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'blocklist_id', 'number']).doUpdateSet((eb) => ({
          expires_at: eb.ref('excluded.expires_at'),
          restrict_times: eb.ref('excluded.restrict_times'),
          restrict_period: eb.ref('excluded.restrict_period'),
        })),
      )
      .execute();
  }
}

export async function deleteBlocklistEntry(
  db: Db,
  tenantId: string,
  blocklistId: string,
  number: string,
): Promise<boolean> {
  const r = await db
    .deleteFrom('blocklist_entries')
    .where('tenant_id', '=', tenantId)
    .where('blocklist_id', '=', blocklistId)
    .where('number', '=', number)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function listBlocklistEntries(
  db: Db,
  tenantId: string,
  blocklistId: string,
): Promise<BlocklistEntry[]> {
  const rows = await db
    .selectFrom('blocklist_entries')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('blocklist_id', '=', blocklistId)
    .orderBy('number')
    .execute();
  return rows.map((r) => ({
    number: r.number,
    expiresAt: r.expires_at ? r.expires_at.toISOString() : null,
    restrict:
      r.restrict_times !== null && r.restrict_period !== null
        ? { times: r.restrict_times, period: r.restrict_period as 'hour' | 'day' }
        : null,
  }));
}

/**
 * Entries of `blocklistId` among `numbers` that are in force at `at` (not expired). The engine
 * and the import use it; restriction quotas are applied by the engine.
 */
export async function blockedAmong(
  db: Db,
  tenantId: string,
  blocklistId: string,
  numbers: string[],
  at: Date,
): Promise<Map<string, BlocklistEntry>> {
  const out = new Map<string, BlocklistEntry>();
  if (numbers.length === 0) return out;
  const rows = await db
    .selectFrom('blocklist_entries')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('blocklist_id', '=', blocklistId)
    // One array parameter, however many numbers (a list of placeholders stops at 65,535).
    .where(sql<SqlBool>`number = any(${numbers}::text[])`)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
    .execute();
  for (const r of rows) {
    out.set(r.number, {
      number: r.number,
      expiresAt: r.expires_at ? r.expires_at.toISOString() : null,
      restrict:
        r.restrict_times !== null && r.restrict_period !== null
          ? { times: r.restrict_times, period: r.restrict_period as 'hour' | 'day' }
          : null,
    });
  }
  return out;
}

export async function deleteBlocklist(
  db: Db,
  tenantId: string,
  blocklistId: string,
): Promise<void> {
  await db
    .deleteFrom('blocklist_entries')
    .where('tenant_id', '=', tenantId)
    .where('blocklist_id', '=', blocklistId)
    .execute();
}
