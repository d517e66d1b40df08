import type { ResultName } from '../../domain/result-codes.ts';
import type { CallEnd } from '../port.ts';
import type { SipResponse } from './message.ts';

/**
 * A final SIP response to our INVITE → the attempt's result (product.md §6). 401/407 never get
 * here unless our credentials were refused; they, and everything unlisted, are `system_error`.
 */
export function resultOfStatus(status: number): ResultName {
  if (status >= 200 && status < 300) return 'success';
  switch (status) {
    case 486:
    case 600:
      return 'busy';
    case 404:
    case 484:
    case 604:
      return 'unallocated';
    case 480:
      return 'unreachable';
    case 408:
      return 'no_answer';
    case 603:
      return 'rejected';
    case 500:
    case 502:
    case 503:
      return 'congestion';
    default:
      return 'system_error';
  }
}

/** 401 and 407: the trunk wants credentials. */
export const isChallenge = (status: number) => status === 401 || status === 407;

/**
 * How a call that got a non-2xx final response ends: its result, and the status and reason in the
 * detail (a challenge still refused after our credentials says so).
 */
export function endOfFinal(res: SipResponse, authTried: boolean, at: Date): CallEnd {
  const challenged = isChallenge(res.status);
  return {
    result: challenged ? 'system_error' : resultOfStatus(res.status),
    at,
    detail: {
      sip: res.status,
      reason: res.reason,
      ...(authTried && challenged ? { error: 'authentication failed' } : {}),
    },
  };
}
