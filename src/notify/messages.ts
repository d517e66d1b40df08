import { DateTime, type Zone } from 'luxon';
import { RESULT_CODES, type ResultName } from '../domain/result-codes.ts';
import { recordingUrl, type AttemptRecording } from '../ivr/call-end.ts';

/**
 * The JSON a callback carries (product.md §7), with the vendor's field names so existing
 * integrations read it. Times are ISO 8601 in the task's zone; `failCode` is the five-digit
 * platform code, `resultCode` our result name; `filePath` (release only) the API path of the
 * call's recording, fetched with an API key of a role that may hear it.
 */
export interface CallbackPayload {
  event: 'connect' | 'release';
  dataId: string;
  taskId: string;
  sessionId: string;
  calledNo: string;
  callerNo: string | null;
  beginTime: string;
  answerTime: string | null;
  endTime: string | null;
  vdnId: string;
  failCode: string | null;
  resultCode: ResultName | null;
  callId: string;
  filePath: string | null;
  customField: string | null;
  attempt: number;
  digits: string | null;
  /** Release of a speech robot's call: the intent, the turns, the business result it set. */
  speech?: {
    intent: string | null;
    turns: unknown[];
    businessResult: { code: string; subCode: string | null } | null;
  };
}

export function callbackPayload(
  event: CallbackPayload['event'],
  a: {
    attemptId: number;
    tenantId: string;
    taskId: string;
    contactId: number;
    sessionId: string;
    customField: string | null;
    number: string;
    callerNo: string | null;
    attemptNo: number;
    startedAt: Date;
    answeredAt: Date | null;
    endedAt: Date | null;
    result: ResultName | null;
    digits?: string | null;
    /** The call's recording, if any: `filePath` is where the API serves it (a URL path). */
    recording?: AttemptRecording | null;
    /** The call's end detail (release): a speech robot's turns are passed on. */
    detail?: Record<string, unknown> | null;
  },
  zone: Zone,
): CallbackPayload {
  const speech = event === 'release' ? speechOf(a.detail) : undefined;
  const t = (d: Date | null) => (d ? DateTime.fromJSDate(d, { zone }).toISO() : null);
  return {
    event,
    dataId: String(a.contactId),
    taskId: a.taskId,
    sessionId: a.sessionId,
    calledNo: a.number,
    callerNo: a.callerNo,
    beginTime: t(a.startedAt)!,
    answerTime: t(a.answeredAt),
    endTime: event === 'release' ? t(a.endedAt) : null,
    vdnId: a.tenantId,
    failCode: event === 'release' && a.result ? RESULT_CODES[a.result] : null,
    resultCode: event === 'release' ? a.result : null,
    callId: String(a.attemptId),
    filePath:
      event === 'release' && a.recording ? recordingUrl(a.tenantId, a.taskId, a.attemptId) : null,
    customField: a.customField,
    attempt: a.attemptNo,
    digits: a.digits ?? null,
    ...(speech ? { speech } : {}),
  };
}

function speechOf(detail: Record<string, unknown> | null | undefined): CallbackPayload['speech'] {
  const s = detail?.speech as { intent?: string | null; turns?: unknown[] } | undefined;
  if (!s) return undefined;
  const br = detail?.businessResult as { code: string; subCode: string | null } | undefined;
  return {
    intent: s.intent ?? null,
    turns: s.turns ?? [],
    businessResult: br ? { code: br.code, subCode: br.subCode } : null,
  };
}

/**
 * The SMS text for a customer never reached: `{name}` placeholders filled from the contact's
 * attributes, then `sessionId` and `customField`; unknown placeholders stay as they are.
 * Encrypted attributes are never put into a message.
 */
export function smsText(
  template: string,
  c: { sessionId: string; customField: string | null; attributes: Record<string, unknown> },
  encrypted: ReadonlySet<string>,
): string {
  return template.replace(/\{([A-Za-z0-9_.-]+)\}/g, (whole, name: string) => {
    if (name === 'sessionId') return c.sessionId;
    if (name === 'customField') return c.customField ?? '';
    if (encrypted.has(name)) return whole;
    const v = c.attributes[name];
    return v === undefined || v === null ? whole : String(v);
  });
}

/** The customer's first mobile number, else its first number. */
export function smsRecipient(
  numbers: readonly { number: string; type?: string | null }[],
): string | null {
  return (numbers.find((n) => n.type === 'mobile') ?? null)?.number ?? null;
}
