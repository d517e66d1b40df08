import type { FieldError } from '../api.ts';
import type { PolicyBody, Resource, TaskConfig } from '../types.ts';
import { fromLocalInput, toLocalInput } from '../lib/zone.ts';
import { i18n } from '../i18n/index.ts';
import { plainMessage } from '../lib/plain.ts';

export { fromLocalInput, toLocalInput };

/**
 * The wizard's working copy of a task configuration. It is the API's document (product.md
 * Appendix A) with start/end kept as local date-times of the task's time zone while editing,
 * and the SMS type allowed to be empty (no failure SMS).
 */
export interface Draft extends Omit<TaskConfig, 'start' | 'end' | 'sms'> {
  startLocal: string;
  endLocal: string;
  smsType: '' | 'cloud' | 'gateway';
  smsTemplateId: string | null;
}

export const emptyPolicy = (): PolicyBody => ({
  byResult: false,
  maxAttemptDays: 1,
  maxAttemptsPerDay: 1,
  retryIntervalSec: 600,
  rules: [],
  nonRetryResults: [],
});

export function defaultDraft(o: {
  type: 'ivr' | 'robot';
  ouId: string | null;
  timeZone: string;
  today: Date;
}): Draft {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const end = new Date(o.today.getTime() + 30 * 86400_000);
  return {
    name: '',
    description: '',
    ouId: o.ouId,
    type: o.type,
    flowId: null,
    robotId: null,
    callerNumbers: [],
    callerGroupId: null,
    startLocal: `${day(o.today)}T00:00`,
    endLocal: `${day(end)}T23:59`,
    timeZone: o.timeZone,
    priority: 3,
    questionnaire: { mode: 'none', questionnaireId: null },
    smsType: '',
    smsTemplateId: null,
    skillQueueId: null,
    businessResultId: null,
    manualQuestionnaireId: null,
    blocklistId: null,
    callbackUrl: '',
    schedule: {
      regular: [{ start: '09:00', end: '18:00' }],
      specialDates: [],
      specialPeriods: [],
      allocations: { enabled: false, entries: [] },
    },
    strategy: { maxRingSec: 20, intervalSec: 3, callsPerInterval: 1, filter: null },
    callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
    resultPolicy: { kind: 'global', ...emptyPolicy() },
    businessResultPolicy: [],
  };
}

/** A saved configuration (a task's or a template's) as a draft, over the defaults. */
export function draftFrom(base: Draft, c: Partial<TaskConfig>): Draft {
  const zone = c.timeZone ?? base.timeZone ?? '+08:00';
  const { start, end, sms, ...rest } = c;
  const d: Draft = { ...base, ...(rest as Partial<Draft>) };
  d.timeZone = zone;
  if (start) d.startLocal = toLocalInput(start, zone);
  if (end) d.endLocal = toLocalInput(end, zone);
  d.smsType = sms?.type ?? '';
  d.smsTemplateId = sms?.templateId ?? null;
  d.description ??= '';
  d.callbackUrl ??= '';
  d.callerNumbers ??= [];
  d.schedule = {
    ...base.schedule,
    ...(c.schedule ?? {}),
    allocations: c.schedule?.allocations ?? base.schedule.allocations,
  };
  d.strategy = { ...base.strategy, ...(c.strategy ?? {}) };
  return d;
}

const blankToNull = (s: string | null | undefined) => (s && s.trim() ? s.trim() : null);

/** The document sent to the API. */
export function toConfig(d: Draft): TaskConfig {
  const { startLocal, endLocal, smsType, smsTemplateId, ...rest } = d;
  const zone = d.timeZone || '+08:00';
  const robot = d.type === 'robot';
  const queue = robot ? blankToNull(d.skillQueueId) : null;
  return {
    ...rest,
    description: d.description ?? '',
    timeZone: zone,
    start: fromLocalInput(startLocal, zone),
    end: fromLocalInput(endLocal, zone),
    flowId: blankToNull(d.flowId),
    robotId: robot ? blankToNull(d.robotId) : null,
    callerNumbers: d.callerGroupId ? [] : (d.callerNumbers ?? []),
    callerGroupId: blankToNull(d.callerGroupId),
    skillQueueId: queue,
    businessResultId: queue ? blankToNull(d.businessResultId) : null,
    manualQuestionnaireId: queue ? blankToNull(d.manualQuestionnaireId) : null,
    blocklistId: blankToNull(d.blocklistId),
    callbackUrl: blankToNull(d.callbackUrl),
    questionnaire:
      d.questionnaire.mode === 'none' ? { mode: 'none', questionnaireId: null } : d.questionnaire,
    sms: smsType && smsTemplateId ? { type: smsType, templateId: smsTemplateId } : null,
  } as TaskConfig;
}

/** Errors of a field: the field itself and anything below it (e.g. /callerNumbers/1). */
export function errorsAt(errors: FieldError[], path: string, deep = true): string | undefined {
  const own = errors.filter((e) => e.path === path || (deep && e.path.startsWith(`${path}/`)));
  return own.length ? own.map((e) => plainMessage(e.message)).join('; ') : undefined;
}

/** The wizard's steps; their titles are `wizard:steps.<i>`. */
export const STEP_COUNT = 4;

/** Which wizard step shows a field. */
export function stepOf(path: string): number {
  if (path.startsWith('/schedule')) return 1;
  if (path.startsWith('/strategy')) return 2;
  if (/^\/(callStrategy|resultPolicy|businessResultPolicy)/.test(path)) return 3;
  return 0;
}

/**
 * The effective pacing the engine applies (product.md §5): it ticks every T = min(interval, 3) s
 * and starts callsPerInterval × T / interval calls per tick, keeping fractions.
 */
export function effectiveRate(intervalSec: number, callsPerInterval: number) {
  const t = Math.min(intervalSec, 3);
  return { calls: (callsPerInterval * t) / intervalSec, every: t };
}

/** Under isolation a task of OU X may use resources of X or Unorganized; otherwise any. */
export function visibleTo(isolation: boolean, taskOu: string | null | undefined) {
  return (r: Resource) => !isolation || r.ouId == null || r.ouId === (taskOu ?? null);
}

/** A resource's OU by name ("Unorganized" when it has none). */
export const ouLabel = (r: Resource, ous?: Resource[]) => {
  if (!r.ouId) return i18n.t('common:unorganized');
  return String(ous?.find((o) => o.id === r.ouId)?.name ?? r.ouId);
};
