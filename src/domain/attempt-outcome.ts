import { Type, type Static } from '@sinclair/typebox';
import { recordingUrl, type AttemptRecording } from '../ivr/call-end.ts';

/**
 * What one attempt collected, as the API, the results detail and exports show it (product.md §5
 * "Per-attempt result"): ring and talk time, digits, questionnaire answers, the flow's path or the
 * robot's turns (a speech robot's transcripts and intents), the transfer, the AMD decision and the recording. Pure: derived from the stored
 * attempt row and its `detail` (what the adapter's call end left, see src/ivr/call-end.ts). The
 * recording's file path never leaves the engine: it is shown as the URL that serves it.
 */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const AnswerView = Type.Object({
  questionId: Type.String(),
  label: Type.String({ description: "the question's label (its text when it has none)" }),
  answer: Type.String({ description: 'the key(s) pressed' }),
  answerLabel: Type.Optional(Type.String({ description: 'what the answer means, when defined' })),
  by: Type.Optional(Type.Literal('agent', { description: 'set when an agent gave the answer' })),
});
export type AnswerView = Static<typeof AnswerView>;

export const AttemptOutcome = Type.Object({
  ringSec: Nullable(
    Type.Number({ description: 'from the start of the call to the answer or the end' }),
  ),
  talkSec: Nullable(Type.Number({ description: 'answer to hang-up; null when unanswered' })),
  digits: Nullable(Type.String()),
  answers: Type.Array(AnswerView),
  ending: Nullable(
    Type.String({
      description:
        'how an answered call ended: flow_end, customer_hangup, transferred, error, engine_hangup, answering_machine',
    }),
  ),
  path: Type.Array(Type.String(), { description: 'flow node ids in the order they ran' }),
  robot: Nullable(
    Type.Object({
      turns: Type.Integer(),
      digits: Type.String(),
      hangup: Type.Boolean(),
      error: Type.Optional(Type.String()),
    }),
  ),
  speech: Nullable(
    Type.Object(
      {
        intent: Nullable(Type.String({ description: 'the last intent the customer expressed' })),
        turns: Type.Array(
          Type.Object({
            step: Type.String(),
            try: Type.Integer(),
            outcome: Type.String({ description: 'match, no_match, no_input or hangup' }),
            transcript: Type.String(),
            intent: Nullable(Type.String()),
            confidence: Nullable(Type.Number()),
            bargedIn: Type.Boolean(),
            recogniseMs: Type.Optional(Type.Number()),
            error: Type.Optional(Type.String()),
          }),
        ),
        error: Type.Optional(Type.String()),
      },
      { description: "a speech robot's turns: what the customer said and what it meant" },
    ),
  ),
  transfer: Nullable(
    Type.Object({
      target: Type.Record(Type.String(), Type.String()),
      ok: Type.Boolean(),
      detail: Type.String(),
    }),
  ),
  amd: Nullable(Type.String({ description: 'answering machine detection: machine' })),
  error: Nullable(Type.String({ description: 'why the call failed (system_error)' })),
  recording: Nullable(
    Type.Object({
      url: Type.String({
        description: 'GET it (audio/wav) with a role that may read personal data',
      }),
      durationSec: Type.Number(),
    }),
  ),
});
export type AttemptOutcome = Static<typeof AttemptOutcome>;

export interface StoredAttempt {
  id: number | string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  digits: string | null;
  detail: Record<string, unknown> | null;
}

const secs = (from: Date, to: Date) => Math.round((to.getTime() - from.getTime()) / 100) / 10;

export function attemptOutcome(
  a: StoredAttempt,
  ids: { tenantId: string; taskId: string },
): AttemptOutcome {
  const d = a.detail ?? {};
  const rec = d.recording as AttemptRecording | undefined;
  const robot = d.robot as AttemptOutcome['robot'] | undefined;
  const ringEnd = a.answeredAt ?? a.endedAt;
  return {
    ringSec: ringEnd ? secs(a.startedAt, ringEnd) : null,
    talkSec: a.answeredAt && a.endedAt ? secs(a.answeredAt, a.endedAt) : null,
    digits: a.digits,
    answers: answersOf(d.answers),
    ending: typeof d.ending === 'string' ? d.ending : null,
    path: Array.isArray(d.path) ? (d.path as string[]) : [],
    robot: robot
      ? {
          turns: robot.turns,
          digits: robot.digits,
          hangup: robot.hangup,
          ...(robot.error ? { error: robot.error } : {}),
        }
      : null,
    speech: speechOf(d.speech),
    transfer: (d.transfer as AttemptOutcome['transfer'] | undefined) ?? null,
    amd: typeof d.amd === 'string' ? d.amd : null,
    error: typeof d.error === 'string' ? d.error : null,
    recording:
      rec && typeof rec.durationSec === 'number'
        ? { url: recordingUrl(ids.tenantId, ids.taskId, a.id), durationSec: rec.durationSec }
        : null,
  };
}

function speechOf(stored: unknown): AttemptOutcome['speech'] {
  if (!stored || typeof stored !== 'object') return null;
  const s = stored as { intent?: string | null; turns?: unknown; error?: string };
  return {
    intent: s.intent ?? null,
    turns: Array.isArray(s.turns)
      ? (s.turns as NonNullable<AttemptOutcome['speech']>['turns'])
      : [],
    ...(s.error ? { error: s.error } : {}),
  };
}

/** Answers as stored (a list; older attempts kept a `{questionId: answer}` map). */
export function answersOf(stored: unknown): AnswerView[] {
  if (Array.isArray(stored)) return stored as AnswerView[];
  if (stored && typeof stored === 'object')
    return Object.entries(stored as Record<string, unknown>).map(([questionId, answer]) => ({
      questionId,
      label: questionId,
      answer: String(answer),
    }));
  return [];
}
