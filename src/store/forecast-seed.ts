import { sql } from 'kysely';
import type { ResultStats } from '../domain/forecast-model.ts';
import {
  DEFAULT_SAMPLE,
  inSample,
  planSample,
  type SamplePlan,
  type SamplePolicy,
} from '../domain/forecast-sample.ts';
import type { Db } from './db.ts';

/**
 * What a forecast copies of a task from the live database into its own: the tenant, its
 * resources, the entries of the task's blocklist, the task and every one of its customers as they
 * are now (state, due times, attempt history). Rows travel as JSON text (one string per page of
 * customers), so a worker thread receives them without a copy of each row's object, and the
 * forecast's database inserts them with `jsonb_populate_recordset` in one statement per page.
 *
 * Attempts are not copied: the customers' own history is what the engine's policy reads, and the
 * forecast's figures are about the calls still to come.
 *
 * A task of many customers is copied as a sample (domain/forecast-sample.ts): a systematic one in
 * the order of state, order key, priority and id — every (n / n')-th customer from an offset the
 * forecast's seed gives — so each state and priority keeps its share, and the same request picks
 * the same customers.
 */
export interface ForecastSeed {
  tenantId: string;
  taskId: string;
  tenant: string;
  resources: string;
  blocklistEntries: string;
  task: string;
  /** Pages of customers (a JSON array each), in id order. */
  contactPages: string[];
  /** The sample the customers are, with the pacing and channels to run it with; null: all. */
  sample: SamplePlan | null;
}

export interface SeedOptions {
  /** When to sample (default DEFAULT_SAMPLE); null: never. */
  sample?: SamplePolicy | null | undefined;
  /** The channels the forecast assumes (default: the tenant's). */
  channels?: number | undefined;
  /** The forecast's seed: where the sample starts. */
  randomSeed?: number | undefined;
}

const PAGE = 20_000;

const jsonRows = async (db: Db, query: ReturnType<typeof sql>): Promise<string> => {
  const r = await sql<{ rows: string }>`
    select coalesce(json_agg(x), '[]')::text as rows from (${query}) x`.execute(db);
  return r.rows[0]!.rows;
};

/** Reads the task's world from the live database (read-only). */
export async function readForecastSeed(
  db: Db,
  tenantId: string,
  taskId: string,
  blocklistId: string | null,
  o: SeedOptions = {},
): Promise<ForecastSeed> {
  const sample = o.sample === null ? null : await sampleOf(db, tenantId, taskId, o);
  return {
    tenantId,
    taskId,
    tenant: await jsonRows(db, sql`select * from tenants where id = ${tenantId}`),
    resources: await jsonRows(db, sql`select * from resources where tenant_id = ${tenantId}`),
    blocklistEntries: blocklistId
      ? await jsonRows(
          db,
          sql`select * from blocklist_entries
              where tenant_id = ${tenantId} and blocklist_id = ${blocklistId}`,
        )
      : '[]',
    task: await jsonRows(
      db,
      sql`select * from tasks where tenant_id = ${tenantId} and id = ${taskId}`,
    ),
    contactPages: sample
      ? await sampledPages(db, tenantId, sample.ids)
      : await allPages(db, tenantId, taskId),
    sample: sample?.plan ?? null,
  };
}

async function allPages(db: Db, tenantId: string, taskId: string): Promise<string[]> {
  const contactPages: string[] = [];
  for (let after = 0; ;) {
    const r = await sql<{ rows: string; last: number | null; n: number }>`
      select coalesce(json_agg(c order by c.id), '[]')::text as rows, max(c.id) as last,
             count(*)::int as n
      from (select * from contacts where tenant_id = ${tenantId} and task_id = ${taskId}
            and id > ${after} order by id limit ${PAGE}) c`.execute(db);
    const page = r.rows[0]!;
    if (page.n === 0) break;
    contactPages.push(page.rows);
    after = Number(page.last);
    if (page.n < PAGE) break;
  }
  return contactPages;
}

async function sampledPages(db: Db, tenantId: string, ids: number[]): Promise<string[]> {
  const pages: string[] = [];
  for (let i = 0; i < ids.length; i += PAGE) {
    pages.push(
      await jsonRows(
        db,
        sql`select * from contacts where tenant_id = ${tenantId}
            and id = any(${ids.slice(i, i + PAGE)}::bigint[]) order by id`,
      ),
    );
  }
  return pages;
}

/** The sample of the task's customers (their ids, in id order) and its plan; null: all of them. */
async function sampleOf(
  db: Db,
  tenantId: string,
  taskId: string,
  o: SeedOptions,
): Promise<{ plan: SamplePlan; ids: number[] } | null> {
  const t = await sql<{
    strategy: { intervalSec: number; callsPerInterval: number; pacing?: string };
    channels: number | null;
    n: number;
  }>`
    select t.config->'strategy' as strategy, (te.settings->>'channels')::int as channels,
      (select count(*)::int from contacts c where c.tenant_id = t.tenant_id and c.task_id = t.id) as n
    from tasks t join tenants te on te.id = t.tenant_id
    where t.tenant_id = ${tenantId} and t.id = ${taskId}`.execute(db);
  const row = t.rows[0];
  if (!row) return null;
  const n = Number(row.n);
  const plan = planSample(
    { customers: n, strategy: row.strategy, channels: o.channels ?? Number(row.channels ?? 0) },
    o.sample ?? DEFAULT_SAMPLE,
  );
  if (!plan) return null;
  const order = await sql<{ id: string }>`
    select id from contacts where tenant_id = ${tenantId} and task_id = ${taskId}
    order by state, order_key, priority, id`.execute(db);
  // The customers may have changed since they were counted: the sample is of those read now.
  const all = order.rows.length;
  const k = Math.min(plan.customers, all);
  const offset = ((o.randomSeed ?? 1) * 2_654_435_761) % Math.max(all, 1);
  const ids = order.rows
    .filter((_, i) => inSample(i, k, all, offset))
    .map((r) => Number(r.id))
    .sort((a, b) => a - b);
  return { plan: { ...plan, customers: k, of: all }, ids };
}

/**
 * Writes the seed into the forecast's own (empty, migrated) database and makes the task run from
 * `from`: whatever its state, it is `running` there (a sample with its scaled pacing and channels). A customer whose call is in progress right
 * now is ready to be called again at `from` (the live call's outcome is not known yet): at most one
 * call per live call is counted twice.
 */
export async function writeForecastSeed(db: Db, seed: ForecastSeed, from: Date): Promise<void> {
  const put = (table: string, rows: string, identity = false) =>
    sql`insert into ${sql.table(table)} ${sql.raw(identity ? 'overriding system value' : '')}
        select * from jsonb_populate_recordset(null::${sql.table(table)}, ${rows}::jsonb)`.execute(
      db,
    );
  await put('tenants', seed.tenant);
  await put('resources', seed.resources);
  await put('blocklist_entries', seed.blocklistEntries);
  await put('tasks', seed.task);
  for (const page of seed.contactPages) await put('contacts', page, true);
  await sql`
    update tasks set state = 'running', state_changed_at = ${from}, updated_at = ${from}
    where id = ${seed.taskId}`.execute(db);
  if (seed.sample) {
    const { strategy, channels } = seed.sample;
    await sql`
      update tasks set config = jsonb_set(config, '{strategy}',
        config->'strategy' || ${JSON.stringify(strategy)}::jsonb)
      where id = ${seed.taskId}`.execute(db);
    await sql`
      update tenants set settings = jsonb_set(settings, '{channels}', ${String(channels)}::jsonb)
      where id = ${seed.tenantId}`.execute(db);
  }
  await sql`
    update contacts set state = 'ready', due_at = ${from}, lease_owner = null,
      lease_expires_at = null
    where task_id = ${seed.taskId} and state = 'dialing'`.execute(db);
  await sql`analyze`.execute(db);
}

/** The task's past attempts by result: how many, mean ring and talk time (the model's input). */
export async function attemptStats(db: Db, taskId: string): Promise<ResultStats[]> {
  const r = await sql<{ result: string; n: number; ring: number | null; talk: number | null }>`
    select result, count(*)::int as n,
      avg(extract(epoch from coalesce(answered_at, ended_at) - started_at))::float8 as ring,
      avg(extract(epoch from ended_at - answered_at))::float8 as talk
    from attempts
    where task_id = ${taskId} and state = 'ended' and result is not null
    group by result order by result`.execute(db);
  return r.rows.map((x) => ({
    result: x.result,
    n: Number(x.n),
    ringSec: Number(x.ring ?? 0),
    talkSec: x.talk === null ? null : Number(x.talk),
  }));
}
