import type { Check } from './validate-task-check.ts';
import { isNonEmptyArray, isSet } from './validate-task-check.ts';

/**
 * Basic information of a task (product.md §3 Basic, Robot-only, Questionnaire, SMS, Blocklist,
 * Callback): what it refers to, and which fields go together.
 */

/** The task's own OU decides OU isolation for every other reference, so it is checked first. */
export function checkOu(check: Check): void {
  if (!check.ok('/ouId')) return check.setTaskOu(undefined);
  const ouId = check.get<string | null>('/ouId') ?? null;
  if (ouId === null) return check.setTaskOu({ id: null });
  check.setTaskOu(check.use('ous', ouId, '/ouId') ? { id: ouId } : undefined);
}

type TaskType = 'ivr' | 'robot';

export function checkTypeAndTarget(check: Check): void {
  const type = check.get<TaskType>('/type');
  const flowId = check.get<string | null>('/flowId');
  const robotId = check.get<string | null>('/robotId');
  const published = (kind: 'flows' | 'robots', id: string, path: string): void => {
    const found = check.use(kind, id, path);
    if (found && found.status !== 'published') {
      check.add(path, `${kind === 'flows' ? 'flow' : 'robot'} '${id}' is not published`);
    }
  };
  if (type === 'ivr') {
    if (check.ok('/flowId') && !isSet(flowId)) check.add('/flowId', 'is required for an IVR task');
    if (typeof flowId === 'string') published('flows', flowId, '/flowId');
    if (isSet(robotId)) check.add('/robotId', 'must be empty for an IVR task');
  }
  if (type === 'robot') {
    if (check.ok('/robotId') && !isSet(robotId))
      check.add('/robotId', 'is required for a robot task');
    if (typeof robotId === 'string') published('robots', robotId, '/robotId');
    // The robot's main flow is optional; when named it must be usable like any other flow.
    if (typeof flowId === 'string') published('flows', flowId, '/flowId');
  }
}

/**
 * Up to 100 caller numbers (fewer when the tenant's limit is lower) or exactly one caller
 * group, never both. An empty list counts as no numbers: the console sends one when a group is
 * chosen.
 */
export function checkCallers(check: Check): void {
  const numbers = check.raw('/callerNumbers');
  const groupId = check.get<string | null>('/callerGroupId');
  const numbersKnown = check.ok('/callerNumbers') || Array.isArray(numbers);
  const limit = Math.min(100, check.tenant.maxCallerNumbers);
  if (numbersKnown && check.ok('/callerGroupId')) {
    const hasNumbers = isNonEmptyArray(numbers);
    if (hasNumbers && isSet(groupId)) {
      check.add('/callerNumbers', 'give either caller numbers or a caller group, not both');
    } else if (!hasNumbers && !isSet(groupId)) {
      check.add('/callerNumbers', `give 1 to ${limit} caller numbers or a caller group`);
    }
  }
  if (Array.isArray(numbers) && numbers.length > limit) {
    const whose = limit < 100 ? " (the tenant's limit)" : '';
    check.add('/callerNumbers', `at most ${limit} caller numbers${whose}, got ${numbers.length}`);
  }
  const seen = new Set<string>();
  for (const i of check.indices('/callerNumbers')) {
    const path = `/callerNumbers/${i}`;
    const n = check.get<string>(path);
    if (typeof n !== 'string') continue;
    if (seen.has(n)) check.add(path, `caller number '${n}' is listed twice`);
    else check.use('callerNumbers', n, path, `'${n}' is not a caller number of the tenant`);
    seen.add(n);
  }
  if (typeof groupId === 'string') check.use('callerGroups', groupId, '/callerGroupId');
}

/**
 * Robot-only transfer settings. A business result and a manual questionnaire describe what the
 * agent does after the transfer, so they need the skill queue.
 */
export function checkTransfer(check: Check): void {
  const type = check.get<TaskType>('/type');
  const queueId = check.get<string | null>('/skillQueueId');
  if (typeof queueId === 'string') {
    if (type === 'ivr')
      check.add('/skillQueueId', 'only a robot task can transfer to a skill queue');
    check.use('skillQueues', queueId, '/skillQueueId');
  }
  const noQueue = check.ok('/skillQueueId') && !isSet(queueId);
  const businessResultId = check.get<string | null>('/businessResultId');
  if (typeof businessResultId === 'string') {
    if (noQueue) check.add('/businessResultId', 'is allowed only when a skill queue is set');
    check.use('businessResults', businessResultId, '/businessResultId');
  }
  const manualId = check.get<string | null>('/manualQuestionnaireId');
  if (typeof manualId === 'string') {
    if (noQueue) check.add('/manualQuestionnaireId', 'is allowed only when a skill queue is set');
    const q = check.use('questionnaires', manualId, '/manualQuestionnaireId');
    if (q && q.kind === 'ivr') {
      check.add(
        '/manualQuestionnaireId',
        `questionnaire '${manualId}' is an IVR questionnaire; choose a manual or manual-and-IVR one`,
      );
    }
  }
}

/**
 * The task questionnaire. Mode `ivr` needs a questionnaire usable in a flow (ivr or
 * manual_and_ivr); mode `manual_and_ivr` needs one usable on both sides (manual_and_ivr).
 * Mode `none` with an id is an error rather than silently ignored: a stale id from a template
 * would otherwise look as if it were in use.
 */
export function checkQuestionnaire(check: Check): void {
  const mode = check.get<'none' | 'ivr' | 'manual_and_ivr'>('/questionnaire/mode');
  const path = '/questionnaire/questionnaireId';
  const id = check.get<string | null>(path);
  if (mode === undefined || !check.ok(path)) return;
  if (mode === 'none') {
    if (isSet(id)) check.add(path, 'must be empty when the questionnaire mode is none');
    return;
  }
  if (typeof id !== 'string')
    return check.add(path, `is required when the questionnaire mode is ${mode}`);
  const q = check.use('questionnaires', id, path);
  if (!q) return;
  const fits = mode === 'ivr' ? q.kind !== 'manual' : q.kind === 'manual_and_ivr';
  if (!fits) {
    const needs = mode === 'ivr' ? 'an IVR or manual-and-IVR' : 'a manual-and-IVR';
    check.add(
      path,
      `questionnaire '${id}' is of kind ${q.kind}; mode ${mode} needs ${needs} questionnaire`,
    );
  }
}

export function checkSmsAndBlocklist(check: Check): void {
  const templateId = check.get<string>('/sms/templateId');
  const smsType = check.get<'cloud' | 'gateway'>('/sms/type');
  if (typeof templateId === 'string') {
    const t = check.use('smsTemplates', templateId, '/sms/templateId');
    if (t && smsType !== undefined && t.type !== smsType) {
      check.add(
        '/sms/type',
        `SMS template '${templateId}' is a ${t.type} template, not ${smsType}`,
      );
    }
  }
  const blocklistId = check.get<string | null>('/blocklistId');
  if (typeof blocklistId === 'string') check.use('blocklists', blocklistId, '/blocklistId');
}

/**
 * The callback URL must fall under an address the system administrator approved. Matching is a
 * prefix match on the parsed URL: same scheme, host and port, and a path under the approved path
 * on a segment boundary, so `https://crm.example.com/out` does not approve `/outbound-evil` and
 * `https://crm.example.com` does not approve `https://crm.example.com.evil.net`. An empty string
 * means no callback.
 */
export function checkCallback(check: Check): void {
  const url = check.get<string | null>('/callbackUrl');
  if (typeof url !== 'string' || url === '') return;
  const parsed = parseHttpUrl(url);
  if (!parsed) return check.add('/callbackUrl', 'must be an http or https URL');
  const trustlist = check.tenant.callbackTrustlist;
  if (trustlist.length === 0) {
    return check.add(
      '/callbackUrl',
      'no callback URL is allowed: the tenant has no approved callback addresses (ask the system administrator)',
    );
  }
  if (!trustlist.some((entry) => underApproved(parsed, entry))) {
    check.add(
      '/callbackUrl',
      "is not under an address of the tenant's approved callback trustlist",
    );
  }
}

function parseHttpUrl(s: string): URL | undefined {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** Is `url` at or under a trustlist entry (same scheme, host and port; path prefix)? */
export function underApproved(url: URL, entry: string): boolean {
  let approved: URL;
  try {
    approved = new URL(entry);
  } catch {
    return false;
  }
  if (approved.protocol !== url.protocol || approved.host !== url.host) return false;
  const base = approved.pathname;
  if (base.endsWith('/')) return url.pathname.startsWith(base);
  return url.pathname === base || url.pathname.startsWith(`${base}/`);
}
