import type { Db } from './db.ts';

export interface AuditEntry {
  id: number;
  tenantId: string | null;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown> | null;
}

export async function audit(
  db: Db,
  e: {
    tenantId: string | null;
    at: Date;
    actor: string;
    action: string;
    subject: string;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      tenant_id: e.tenantId,
      at: e.at,
      actor: e.actor,
      action: e.action,
      subject: e.subject,
      detail: e.detail ? JSON.stringify(e.detail) : null,
    })
    .execute();
}

export async function listAudit(
  db: Db,
  tenantId: string,
  opts: { after?: number; limit: number },
): Promise<AuditEntry[]> {
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('id', 'desc')
    .limit(opts.limit);
  if (opts.after !== undefined) q = q.where('id', '<', opts.after);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    detail: r.detail as Record<string, unknown> | null,
  }));
}

/**
 * Removes audit rows older than `before`, in batches (a long history goes in several short
 * statements rather than one that holds the table). Returns how many went.
 */
export async function pruneAudit(db: Db, before: Date, batch = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await db
      .deleteFrom('audit_log')
      .where('id', 'in', (q) =>
        q.selectFrom('audit_log').select('id').where('at', '<', before).limit(batch),
      )
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    total += n;
    if (n < batch) return total;
  }
}
