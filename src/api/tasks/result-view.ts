import { maskNumber } from '../../domain/contact.ts';
import { RESULT_CODES, isResultName } from '../../domain/result-codes.ts';
import type { Cipher } from '../../platform/cipher.ts';
import type { ResultRow } from '../../store/results.ts';
import { HIDDEN } from '../contacts/view.ts';

/**
 * One customer's result as the API shows it (`GET …/results` and its per-customer detail):
 * numbers masked and encrypted attributes hidden for roles that may not see personal data.
 */
export function resultItem(r: ResultRow, show: boolean, cipher: Cipher) {
  return {
    sessionId: r.sessionId,
    state: r.state,
    finalResult: r.finalResult,
    finalCode: r.finalResult && isResultName(r.finalResult) ? RESULT_CODES[r.finalResult] : null,
    finishReason: r.finishReason,
    attempts: r.attempts,
    firstAttemptAt: r.firstAttemptAt,
    lastAttemptAt: r.lastAttemptAt,
    numbers: show ? r.numbers : r.numbers.map(maskNumber),
    businessResult: r.businessResult,
    businessSubResult: r.businessSubResult,
    customField: r.customField,
    attributes: Object.fromEntries(
      Object.entries(r.attributes).map(([k, v]) => {
        if (!cipher.isEncrypted(v)) return [k, v];
        if (!show) return [k, HIDDEN];
        try {
          return [k, cipher.decrypt(v as string)];
        } catch {
          return [k, HIDDEN];
        }
      }),
    ),
  };
}
