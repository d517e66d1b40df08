import { isNonEmptyArray, isSet, type Check } from './validate-task-check.ts';

/** Result policy and business result policy (product.md §3, §5 "After an attempt"). */

const PER_DAY_FIELDS = ['maxAttemptDays', 'maxAttemptsPerDay', 'retryIntervalSec'] as const;

/**
 * One policy body (global, or the default / one number type of a contact policy) at `base`.
 * The fields of the shape not selected by `byResult` are ignored rather than refused: Appendix A
 * itself shows both sets together, and switching `byResult` in the console keeps them.
 * Results are checked in both shapes, since the stored document keeps them.
 */
function checkBody(check: Check, base: string): void {
  const byResult = check.get<boolean>(`${base}/byResult`);
  if (byResult === false) {
    for (const f of PER_DAY_FIELDS) {
      const path = `${base}/${f}`;
      if (check.ok(path) && check.get(path) === undefined) {
        check.add(path, 'is required when retries are not configured per result (byResult false)');
      }
    }
  }
  const rulesPath = `${base}/rules`;
  if (byResult === true && check.ok(rulesPath) && !isNonEmptyArray(check.raw(rulesPath))) {
    check.add(rulesPath, 'must have at least one rule when retries are configured per result');
  }
  const seen = new Set<string>();
  for (const i of check.indices(rulesPath)) {
    const path = `${rulesPath}/${i}/result`;
    const result = check.get<string>(path);
    if (typeof result !== 'string') continue;
    if (seen.has(result)) check.add(path, `a rule for '${result}' already exists`);
    else check.resultRef(result, path);
    seen.add(result);
  }
  for (const i of check.indices(`${base}/nonRetryResults`)) {
    const path = `${base}/nonRetryResults/${i}`;
    const result = check.get<string>(path);
    if (typeof result === 'string') check.resultRef(result, path);
  }
}

export function checkResultPolicy(check: Check): void {
  const kind = check.get<string>('/resultPolicy/kind');
  if (kind === 'global') return checkBody(check, '/resultPolicy');
  if (kind !== 'contact') return;
  checkBody(check, '/resultPolicy/default');
  const seen = new Set<string>();
  for (const i of check.indices('/resultPolicy/numberTypes')) {
    const base = `/resultPolicy/numberTypes/${i}`;
    const type = check.get<string>(`${base}/numberType`);
    if (typeof type === 'string') {
      if (seen.has(type))
        check.add(`${base}/numberType`, `a policy for number type '${type}' already exists`);
      else check.use('numberTypes', type, `${base}/numberType`);
      seen.add(type);
    }
    checkBody(check, base);
  }
}

/**
 * Business result rules: each names an existing business result (and one of its sub-results),
 * at most one rule per result and sub-result. When the task is associated with one business
 * result, agents can record only that one, so rules for any other would never fire.
 */
export function checkBusinessResultPolicy(check: Check): void {
  const associated = check.get<string | null>('/businessResultId');
  const seen = new Set<string>();
  for (const i of check.indices('/businessResultPolicy')) {
    const base = `/businessResultPolicy/${i}`;
    const code = check.get<string>(`${base}/code`);
    const subCode = check.get<string | null>(`${base}/subCode`);
    if (typeof code === 'string') {
      const result = check.use('businessResults', code, `${base}/code`);
      if (typeof associated === 'string' && code !== associated) {
        check.add(
          `${base}/code`,
          `the task is associated with business result '${associated}'; a rule can only refer to it`,
        );
      }
      if (
        result &&
        typeof subCode === 'string' &&
        !result.subResults.some((s) => s.code === subCode)
      ) {
        check.add(
          `${base}/subCode`,
          `'${subCode}' is not a sub-result of business result '${code}'`,
        );
      }
      if (check.ok(`${base}/subCode`)) {
        const key = `${code}\u0000${subCode ?? ''}`;
        if (seen.has(key)) {
          const sub = typeof subCode === 'string' ? ` and sub-result '${subCode}'` : '';
          check.add(`${base}/code`, `a rule for business result '${code}'${sub} already exists`);
        }
        seen.add(key);
      }
    }
    const action = check.get<string>(`${base}/action`);
    const intervalPath = `${base}/intervalSec`;
    if (
      action === 'call_same_number' &&
      check.ok(intervalPath) &&
      !isSet(check.get(intervalPath))
    ) {
      check.add(intervalPath, 'is required when the action is call_same_number');
    }
  }
}
