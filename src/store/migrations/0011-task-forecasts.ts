import { sql, type Kysely } from 'kysely';

/**
 * Forecasts of tasks (POST …/tasks/{id}/forecast): the request, then the report once the forecast
 * ran (in its own database; nothing of its calls is stored here). `expires_at` is when a forecast
 * still queued or running must have finished: past it, the process that ran it is gone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table forecasts (
      tenant_id text not null,
      task_id text not null,
      id text not null,
      state text not null,
      request jsonb not null,
      report jsonb,
      error text,
      requested_by text not null,
      created_at timestamptz not null,
      started_at timestamptz,
      finished_at timestamptz,
      expires_at timestamptz not null,
      primary key (tenant_id, id)
    );
    create index forecasts_task on forecasts (tenant_id, task_id, created_at desc);
  `.execute(db);
}
