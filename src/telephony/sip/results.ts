import type { ResultName } from '../../domain/result-codes.ts';

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
