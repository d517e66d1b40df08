import type { Span } from '../domain/forecast-series.ts';
import type { Db } from './db.ts';

/** A task's attempts as spans (calls per hour, channels over time), read in keyset pages. */
export async function attemptSpans(db: Db, taskId: string): Promise<Span[]> {
  const out: Span[] = [];
  for (let after = 0; ;) {
    const rows = await db
      .selectFrom('attempts')
      .select(['id', 'started_at', 'ended_at', 'answered_at', 'result'])
      .where('task_id', '=', taskId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(50_000)
      .execute();
    for (const r of rows)
      out.push({
        startedAt: r.started_at,
        endedAt: r.ended_at,
        answered: r.answered_at !== null,
        result: r.result,
      });
    if (rows.length < 50_000) return out;
    after = rows.at(-1)!.id;
  }
}
