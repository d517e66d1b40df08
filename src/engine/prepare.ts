import { orderKey, passesFilter } from '../domain/contact-order.ts';
import type { Db } from '../store/db.ts';
import { markPrepared, savePrepared, unprepared } from '../store/preparation.ts';
import type { RunningTask } from '../store/running-tasks.ts';
import type { TaskRuntime } from './task-runtime.ts';

/**
 * Order keys and the attribute filter, for contacts that have not been prepared yet. Only when
 * the task says some may need it (imports and edits bump its generation), so a tick reads no
 * contact for this in steady state. Returns whether some are still left for the next tick.
 */
export async function prepareContacts(
  db: Db,
  rt: TaskRuntime,
  t: RunningTask,
  batch: number,
): Promise<boolean> {
  if (t.prepareGen === t.preparedGen) return false;
  const rows = await unprepared(db, rt.taskId, batch);
  const cs = rt.config.callStrategy;
  const filter = rt.config.strategy.filter;
  await savePrepared(
    db,
    rt.taskId,
    rows.map((r) => r.id),
    rows.map((r) =>
      orderKey(
        {
          priority: r.priority,
          numbers: r.numbers as { number: string }[],
          attributes: r.attributes,
        },
        cs,
        rt.attributes,
      ),
    ),
    rows.map((r) => !passesFilter(r.attributes, filter, rt.attributes)),
  );
  if (rows.length === batch) return true;
  await markPrepared(db, rt.taskId, t.prepareGen);
  return false;
}
