import { i18n } from '../i18n/index.ts';
import type { Explanation, Task } from '../types.ts';
import { fmtTime } from './format.ts';

/**
 * "Why is this customer not called now?" as two sentences: what holds the call back, and what
 * to do about it (or that nothing needs doing). Built from the API's reason code and rule, never
 * from its English detail, so both languages say the same.
 */
export function explainSentences(
  x: Explanation,
  task?: Task | null,
): { what: string; todo: string } {
  const rule = (x.rule ?? {}) as Record<string, unknown>;
  const entry = (rule.entry ?? {}) as Record<string, unknown>;
  const params = {
    until: fmtTime(x.until),
    end: fmtTime(task?.config.end),
    state: task ? i18n.t(`common:states.${task.state}`) : '',
    result: String(rule.finalResult ?? rule.lastResult ?? '—'),
    number: String(entry.number ?? rule.number ?? ''),
    cap: capText(rule.cap),
    queue: String(rule.queue ?? ''),
    blocklist: String(task?.config.blocklistId ?? ''),
    task: String(rule.task ?? ''),
    priority: String(rule.priority ?? ''),
  };
  return {
    what: i18n.t(`explain:${x.reason}.what`, params),
    todo: i18n.t(`explain:${x.reason}.todo`, params),
  };
}

/** A tenant's number cap as words: "3 attempts / day". */
function capText(cap: unknown): string {
  if (!cap || typeof cap !== 'object') return '';
  const c = cap as { max?: number; count?: string; period?: string };
  return i18n.t('explain:capRule', {
    max: c.max ?? '',
    count: i18n.t(`explain:capCount.${c.count ?? 'attempts'}`),
    period: i18n.t(`explain:capPeriod.${c.period ?? 'day'}`),
  });
}
