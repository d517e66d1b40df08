import type { CallEnd } from '../telephony/port.ts';
import type { FieldError } from '../platform/errors.ts';
import type { FlowOutcome } from './interpreter.ts';

/**
 * What an answered call's flow leaves on the attempt: the digits, and a detail with the
 * questionnaire answers, variables, transfer outcome, robot turns and recording path. A callee who
 * hangs up during the flow still makes a successful call (product.md §6): `ending` says
 * `customer_hangup`.
 */
export function flowCallEnd(
  outcome: FlowOutcome,
  at: Date,
  extra: { recording?: string | undefined } = {},
): CallEnd {
  const detail: Record<string, unknown> = { ending: outcome.ending, path: outcome.path };
  if (Object.keys(outcome.answers).length) detail.answers = outcome.answers;
  if (Object.keys(outcome.variables).length) detail.variables = outcome.variables;
  if (outcome.transfer) detail.transfer = outcome.transfer;
  if (outcome.robot) detail.robot = outcome.robot;
  if (outcome.error) detail.error = outcome.error;
  if (extra.recording) detail.recording = extra.recording;
  return { result: 'success', at, ...(outcome.digits ? { digits: outcome.digits } : {}), detail };
}

/** An answered call whose flow could not run (an unpublished or broken document). */
export function invalidFlowCallEnd(errors: FieldError[], at: Date): CallEnd {
  return {
    result: 'success',
    at,
    detail: { ending: 'error', error: 'invalid flow document', errors: errors.slice(0, 10) },
  };
}
