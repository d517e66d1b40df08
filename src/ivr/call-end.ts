import type { CallEnd } from '../telephony/port.ts';
import type { FieldError } from '../platform/errors.ts';
import type { FlowOutcome } from './interpreter.ts';

/**
 * A call's recording as the adapter leaves it on the attempt (`detail.recording`): the WAV file on
 * the engine's host (stereo: customer left, Outbound right) and its length. The API never shows
 * `file`; it serves the audio at `recordingUrl(...)`.
 */
export interface AttemptRecording {
  file: string;
  durationSec: number;
}

/** Where the API serves an attempt's recording; also the release callback's `filePath`. */
export function recordingUrl(tenantId: string, taskId: string, attemptId: number | string): string {
  const e = encodeURIComponent;
  return `/api/v1/tenants/${e(tenantId)}/tasks/${e(taskId)}/attempts/${e(String(attemptId))}/recording`;
}

/**
 * What an answered call's flow leaves on the attempt: the digits, and a detail with the
 * questionnaire answers, variables, transfer outcome, robot turns and recording. A callee who
 * hangs up during the flow still makes a successful call (product.md §6): `ending` says
 * `customer_hangup`. A flow that failed (threw) ends as `system_error` with its error in the
 * detail, keeping everything it collected before.
 */
export function flowCallEnd(
  outcome: FlowOutcome,
  at: Date,
  extra: { recording?: AttemptRecording | undefined } = {},
): CallEnd {
  const detail: Record<string, unknown> = { ending: outcome.ending, path: outcome.path };
  if (outcome.answers.length) detail.answers = outcome.answers;
  if (Object.keys(outcome.variables).length) detail.variables = outcome.variables;
  if (outcome.transfer) detail.transfer = outcome.transfer;
  if (outcome.robot) detail.robot = outcome.robot;
  if (outcome.speech) {
    const { businessResult, ...speech } = outcome.speech;
    detail.speech = speech;
    // Settlement records it on the customer, as the business-result API would.
    if (businessResult) detail.businessResult = businessResult;
  }
  if (outcome.error) detail.error = outcome.error;
  if (extra.recording) detail.recording = extra.recording;
  return {
    result: outcome.ending === 'error' ? 'system_error' : 'success',
    at,
    ...(outcome.digits ? { digits: outcome.digits } : {}),
    detail,
  };
}

/** An answered call whose flow could not run (an unpublished or broken document). */
export function invalidFlowCallEnd(errors: FieldError[], at: Date, reason?: string): CallEnd {
  return {
    result: 'system_error',
    at,
    detail: {
      ending: 'error',
      error: reason ?? 'invalid flow document',
      errors: errors.slice(0, 10),
    },
  };
}
