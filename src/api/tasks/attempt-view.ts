import { Type, type Static } from '@sinclair/typebox';
import { maskNumber } from '../../domain/contact.ts';
import { AttemptOutcome, attemptOutcome } from '../../domain/attempt-outcome.ts';
import type { AttemptView } from '../../store/progress.ts';

/**
 * One attempt as the API shows it (`GET …/attempts`, the results detail): where and when it was
 * placed, its result, and what the call collected (src/domain/attempt-outcome.ts). Numbers are
 * masked, and flow variables left out, for roles that may not see personal data.
 */
export const AttemptItem = Type.Composite([
  Type.Object({
    id: Type.Integer(),
    sessionId: Type.String(),
    number: Type.String(),
    numberIndex: Type.Integer(),
    attemptNo: Type.Integer(),
    callerNo: Type.Union([Type.String(), Type.Null()]),
    state: Type.String({ description: 'active while the call is in progress, then ended' }),
    startedAt: Type.String({ format: 'date-time' }),
    answeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    result: Type.Union([Type.String(), Type.Null()]),
    code: Type.Union([Type.String(), Type.Null()]),
    variables: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()], {
      description: "the flow's variables at the end (null for roles without personal data)",
    }),
  }),
  AttemptOutcome,
]);
export type AttemptItem = Static<typeof AttemptItem>;

export const AttemptPage = Type.Object({
  items: Type.Array(AttemptItem),
  next: Type.Union([Type.Integer(), Type.Null()]),
});

export function attemptItem(
  r: AttemptView,
  ids: { tenantId: string; taskId: string },
  show: boolean,
): AttemptItem {
  const vars = r.detail?.variables as Record<string, string> | undefined;
  return {
    id: r.id,
    sessionId: r.sessionId,
    number: show ? r.number : maskNumber(r.number),
    numberIndex: r.numberIndex,
    attemptNo: r.attemptNo,
    callerNo: r.callerNo,
    state: r.state,
    startedAt: r.startedAt.toISOString(),
    answeredAt: r.answeredAt?.toISOString() ?? null,
    endedAt: r.endedAt?.toISOString() ?? null,
    result: r.result,
    code: r.code,
    variables: show ? (vars ?? {}) : null,
    ...attemptOutcome(r, ids),
  };
}
