/** Platform result codes of an attempt (product.md §6): our name → the vendor's five-digit code. */
export const RESULT_CODES = {
  success: '00000',
  customer_hangup: '00531',
  busy: '00537',
  unallocated: '00538',
  powered_off: '00548',
  unreachable: '00549',
  abandoned: '00601',
  no_answer: '00603',
  rejected: '00604',
  ring_timeout: '01040',
  answering_machine: '00162',
  congestion: '00602',
  system_error: '00606',
  channel_limit: '34606',
  blocked: '90001',
  not_trusted: '90002',
  invalid_number: '90003',
} as const;

export type ResultName = keyof typeof RESULT_CODES;
export const RESULT_NAMES = Object.keys(RESULT_CODES) as ResultName[];

export function isResultName(s: string): s is ResultName {
  return Object.hasOwn(RESULT_CODES, s);
}

/** Results that mean the customer was reached (a connected call). */
export const CONNECTED_RESULTS: ReadonlySet<ResultName> = new Set(['success', 'customer_hangup']);
