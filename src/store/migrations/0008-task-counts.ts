import { sql, type Kysely } from 'kysely';

/**
 * Progress without scanning a task: counts of its customers by (state, final result) and of its
 * attempts by (state, result), with its first and last attempt start, kept by triggers as rows
 * change state.
 *
 * The triggers never update a shared row: each statement appends its net change to
 * `task_count_deltas` (one row per task and key it changed), so engines settling at once never
 * wait for each other or deadlock on a counter. Readers add the deltas to `task_counts`; the
 * housekeeper folds the deltas into `task_counts` every few seconds. Statement-level triggers
 * with transition tables aggregate a whole batch (a claim, a settle, an import) in one insert.
 * `result` is '' for none (a key column cannot be null).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table task_counts (
      tenant_id text not null,
      task_id text not null,
      kind text not null,
      state text not null,
      result text not null,
      n bigint not null,
      first_at timestamptz,
      last_at timestamptz,
      primary key (tenant_id, task_id, kind, state, result)
    );
    create table task_count_deltas (
      tenant_id text not null,
      task_id text not null,
      kind text not null,
      state text not null,
      result text not null,
      n bigint not null,
      first_at timestamptz,
      last_at timestamptz
    );
    create index task_count_deltas_task on task_count_deltas (tenant_id, task_id);

    create function task_counts_contacts() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into task_count_deltas (tenant_id, task_id, kind, state, result, n)
        select tenant_id, task_id, 'contact', state, coalesce(final_result, ''), count(*)
        from new_rows group by 1, 2, 4, 5;
      elsif tg_op = 'DELETE' then
        insert into task_count_deltas (tenant_id, task_id, kind, state, result, n)
        select tenant_id, task_id, 'contact', state, coalesce(final_result, ''), -count(*)
        from old_rows group by 1, 2, 4, 5;
      else
        -- The net change of the statement: what its rows are now less what they were.
        insert into task_count_deltas (tenant_id, task_id, kind, state, result, n)
        select tenant_id, task_id, 'contact', state, r, sum(d) from (
          select tenant_id, task_id, state, coalesce(final_result, '') as r, -1 as d from old_rows
          union all
          select tenant_id, task_id, state, coalesce(final_result, ''), 1 from new_rows
        ) x group by 1, 2, 4, 5 having sum(d) <> 0;
      end if;
      return null;
    end $$;

    create function task_counts_attempts() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into task_count_deltas (tenant_id, task_id, kind, state, result, n, first_at, last_at)
        select tenant_id, task_id, 'attempt', state, coalesce(result, ''), count(*),
               min(started_at), max(started_at)
        from new_rows group by 1, 2, 4, 5;
      elsif tg_op = 'DELETE' then
        insert into task_count_deltas (tenant_id, task_id, kind, state, result, n)
        select tenant_id, task_id, 'attempt', state, coalesce(result, ''), -count(*)
        from old_rows group by 1, 2, 4, 5;
      else
        insert into task_count_deltas (tenant_id, task_id, kind, state, result, n)
        select tenant_id, task_id, 'attempt', state, r, sum(d) from (
          select tenant_id, task_id, state, coalesce(result, '') as r, -1 as d from old_rows
          union all
          select tenant_id, task_id, state, coalesce(result, ''), 1 from new_rows
        ) x group by 1, 2, 4, 5 having sum(d) <> 0;
      end if;
      return null;
    end $$;

    -- A deleted task's counts go with it (its id may be given to a new task).
    create function task_counts_tasks() returns trigger language plpgsql as $$
    begin
      delete from task_counts c using old_rows o where c.tenant_id = o.tenant_id and c.task_id = o.id;
      delete from task_count_deltas c using old_rows o
        where c.tenant_id = o.tenant_id and c.task_id = o.id;
      return null;
    end $$;

    create trigger task_counts_ins after insert on contacts referencing new table as new_rows
      for each statement execute function task_counts_contacts();
    create trigger task_counts_upd after update on contacts
      referencing old table as old_rows new table as new_rows
      for each statement execute function task_counts_contacts();
    create trigger task_counts_del after delete on contacts referencing old table as old_rows
      for each statement execute function task_counts_contacts();
    create trigger task_counts_ins after insert on attempts referencing new table as new_rows
      for each statement execute function task_counts_attempts();
    create trigger task_counts_upd after update on attempts
      referencing old table as old_rows new table as new_rows
      for each statement execute function task_counts_attempts();
    create trigger task_counts_del after delete on attempts referencing old table as old_rows
      for each statement execute function task_counts_attempts();
    create trigger task_counts_del after delete on tasks referencing old table as old_rows
      for each statement execute function task_counts_tasks();

    insert into task_counts (tenant_id, task_id, kind, state, result, n)
    select tenant_id, task_id, 'contact', state, coalesce(final_result, ''), count(*)
    from contacts group by 1, 2, 4, 5;
    insert into task_counts (tenant_id, task_id, kind, state, result, n, first_at, last_at)
    select tenant_id, task_id, 'attempt', state, coalesce(result, ''), count(*),
           min(started_at), max(started_at)
    from attempts group by 1, 2, 4, 5;

    -- Results and contacts filtered by a customer state, in id order: a rare state (dialing,
    -- filtered, waiting) is found without reading the whole task.
    create index contacts_state_list on contacts (tenant_id, task_id, state, id);

    -- Audit retention prunes by time.
    create index audit_log_at on audit_log (at);
  `.execute(db);
}
