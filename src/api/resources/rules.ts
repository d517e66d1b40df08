import { DateTime } from 'luxon';
import type { FieldError } from '../../platform/errors.ts';
import { isResultName, RESULT_NAMES } from '../../domain/result-codes.ts';
import type { QuestionnaireQuestion, ResourceKind, World } from '../../domain/resources.ts';
import { validateDialogue } from '../../ivr/dialogue.ts';
import { validateFlowDocument } from '../../ivr/flow.ts';
import { blocklistNumber } from '../../domain/blocklist.ts';
import { savedTargetError, type Resolver } from '../../notify/callback-target.ts';

/**
 * Rules of a resource document beyond its schema, that need the tenant's other resources.
 * Returns every problem found.
 */
export function resourceErrors(
  kind: ResourceKind,
  doc: Record<string, unknown>,
  world: World,
): FieldError[] {
  const errors: FieldError[] = [];
  const ouId = doc.ouId as string | null | undefined;
  if (kind !== 'ous' && ouId && !world.ous.some((o) => o.id === ouId)) {
    errors.push({ path: '/ouId', message: `OU '${ouId}' does not exist` });
  }
  if (kind === 'callerGroups') {
    const own = new Set(world.callerNumbers.map((n) => n.number));
    (doc.numbers as string[]).forEach((n, i) => {
      if (!own.has(n))
        errors.push({
          path: `/numbers/${i}`,
          message: `'${n}' is not a caller number of this tenant`,
        });
    });
  }
  if (kind === 'specialDates') errors.push(...specialDateErrors(doc));
  if (kind === 'robots' && doc.kind === 'speech') {
    // A speech robot's document is its dialogue: the speech robot's own rules.
    for (const e of validateDialogue(doc.document ?? {}))
      errors.push({ path: `/document${e.path === '/' ? '' : e.path}`, message: e.message });
    errors.push(...dialogueResultErrors(doc, world));
  } else if (kind === 'flows' || kind === 'robots') {
    // The IVR interpreter's own rules for the flow document (every node, every link).
    for (const e of validateFlowDocument(doc.document ?? {}))
      errors.push({ path: `/document${e.path === '/' ? '' : e.path}`, message: e.message });
    for (const { node, path } of robotNodes(doc))
      if (node.trustlist !== undefined)
        errors.push({
          path: `${path}/trustlist`,
          message: "is set by the engine from the tenant's callbackTrustlist; remove it",
        });
  }
  if (
    kind === 'robots' &&
    typeof doc.endpoint === 'string' &&
    doc.endpoint !== '' &&
    !/^https?:\/\/./.test(doc.endpoint)
  )
    errors.push({ path: '/endpoint', message: 'must be an http or https URL' });

  if (kind === 'questionnaires') errors.push(...questionnaireErrors(doc));
  if (kind === 'resultDefinitions') {
    if (isResultName(doc.code as string)) {
      errors.push({
        path: '/code',
        message: `'${String(doc.code)}' is a platform result name; choose another code`,
      });
    }
    (doc.results as string[]).forEach((r, i) => {
      if (!isResultName(r))
        errors.push({
          path: `/results/${i}`,
          message: `'${r}' is not a result name (${RESULT_NAMES.join(', ')})`,
        });
    });
  }
  if (kind === 'blocklists') {
    // Numbers in the form customers' numbers are stored in (E.164 with a default country); the
    // document is changed in place, so what is stored and answered is the normalised number.
    const seen = new Set<string>();
    (doc.entries as { number: string }[] | undefined)?.forEach((e, i) => {
      const n = blocklistNumber(e.number, world.tenant.numberRules?.defaultCountry);
      if (!n.ok) return void errors.push({ path: `/entries/${i}/number`, message: n.message });
      if (seen.has(n.number))
        errors.push({ path: `/entries/${i}/number`, message: `'${n.number}' is listed twice` });
      seen.add(n.number);
      e.number = n.number;
    });
  }
  return errors;
}

function specialDateErrors(doc: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const need = (field: string, why: string) => {
    if (doc[field] === undefined)
      errors.push({ path: `/${field}`, message: `is required for ${why}` });
  };
  if (doc.type === 'weekday') need('weekdays', 'type weekday');
  if (doc.type === 'dateRange') {
    need('from', 'type dateRange');
    need('to', 'type dateRange');
    for (const f of ['from', 'to'] as const) {
      if (typeof doc[f] === 'string' && !DateTime.fromISO(doc[f] as string).isValid) {
        errors.push({ path: `/${f}`, message: `'${doc[f] as string}' is not a calendar date` });
      }
    }
    if (typeof doc.from === 'string' && typeof doc.to === 'string' && doc.from > doc.to) {
      errors.push({ path: '/to', message: 'must not be before from' });
    }
  }
  if (doc.type === 'yearly') {
    need('dates', 'type yearly');
    (doc.dates as string[] | undefined)?.forEach((d, i) => {
      // 2024 is a leap year, so 02-29 is accepted.
      if (!DateTime.fromISO(`2024-${d}`).isValid)
        errors.push({ path: `/dates/${i}`, message: `'${d}' is not a MM-dd date` });
    });
  }
  for (const f of ['weekdays', 'from', 'to', 'dates'] as const) {
    const allowed =
      { weekday: ['weekdays'], dateRange: ['from', 'to'], yearly: ['dates'] }[doc.type as string] ??
      [];
    if (doc[f] !== undefined && !allowed.includes(f)) {
      errors.push({ path: `/${f}`, message: `does not apply to type ${String(doc.type)}` });
    }
  }
  return errors;
}

/**
 * A business result a dialogue sets by name must be one of the tenant's (a `${var}` one, e.g. the
 * intent, is known only during the call: settlement records what it becomes).
 */
function dialogueResultErrors(doc: Record<string, unknown>, world: World): FieldError[] {
  const steps = (doc.document as { steps?: unknown } | undefined)?.steps;
  if (!Array.isArray(steps)) return [];
  const errors: FieldError[] = [];
  steps.forEach(
    (s: { type?: unknown; result?: { code?: unknown; subCode?: unknown } } | null, i) => {
      const code = s?.type === 'set' ? s.result?.code : undefined;
      if (typeof code !== 'string' || code.includes('${')) return;
      const br = world.businessResults.find((b) => b.id === code);
      if (!br)
        errors.push({
          path: `/document/steps/${i}/result/code`,
          message: `'${code}' is not a business result of this tenant`,
        });
      const sub = s?.result?.subCode;
      if (
        br &&
        typeof sub === 'string' &&
        !sub.includes('${') &&
        !br.subResults.some((x) => x.code === sub)
      )
        errors.push({
          path: `/document/steps/${i}/result/subCode`,
          message: `'${sub}' is not a sub-result of '${code}'`,
        });
    },
  );
  return errors;
}

/** The robot nodes of a flow's or robot's document, with their JSON path in the resource. */
function robotNodes(
  doc: Record<string, unknown>,
): { node: Record<string, unknown>; path: string }[] {
  const nodes = (doc.document as { nodes?: unknown } | undefined)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((node: Record<string, unknown> | null, i) =>
    node?.type === 'robot' ? [{ node, path: `/document/nodes/${i}` }] : [],
  );
}

/**
 * What a published flow or robot would call must be callable: a robot has an endpoint, and every
 * robot address (the robot's endpoint, robot nodes of a flow) obeys the outbound-address policy
 * callbacks obey — under the tenant's trustlist, not private unless the trustlist names it. The
 * same policy is checked again before every robot request (src/ivr/robot.ts).
 */
export async function publishErrors(
  kind: ResourceKind,
  doc: Record<string, unknown>,
  trustlist: readonly string[],
  resolve: Resolver,
): Promise<FieldError[]> {
  if ((kind !== 'flows' && kind !== 'robots') || doc.status !== 'published') return [];
  const targets: { url: string; path: string }[] = [];
  if (kind === 'robots' && doc.kind !== 'speech') {
    if (typeof doc.endpoint !== 'string' || doc.endpoint === '')
      return [{ path: '/endpoint', message: 'a robot without an endpoint cannot be published' }];
    targets.push({ url: doc.endpoint, path: '/endpoint' });
  }
  for (const { node, path } of robotNodes(doc))
    if (typeof node.endpoint === 'string')
      targets.push({ url: node.endpoint, path: `${path}/endpoint` });
  const errors: FieldError[] = [];
  for (const t of targets) {
    const reason = await savedTargetError(t.url, trustlist, resolve);
    if (reason) errors.push({ path: t.path, message: reason });
  }
  return errors;
}

const KEYS = /^[0-9*#]{1,32}$/;
const FLOW_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A questionnaire asked in a flow (kinds ivr, manual_and_ivr) must be playable and answerable
 * with keys: each question has something to say, an id a flow can carry, and answers that are
 * keys. Question ids and answer keys are unique in any kind.
 */
function questionnaireErrors(doc: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const inFlow = doc.kind === 'ivr' || doc.kind === 'manual_and_ivr';
  const ids = new Set<string>();
  const questions = (doc.questions ?? []) as QuestionnaireQuestion[];
  questions.forEach((q, i) => {
    const at = `/questions/${i}`;
    if (ids.has(q.id)) errors.push({ path: `${at}/id`, message: `'${q.id}' is asked twice` });
    ids.add(q.id);
    if (!inFlow) return;
    if (!FLOW_ID.test(q.id))
      errors.push({
        path: `${at}/id`,
        message: 'must be letters, digits, _ . - (it is asked in a flow)',
      });
    if (!q.text.trim() && !q.prompt)
      errors.push({ path: `${at}/text`, message: 'give a text or a prompt to play' });
    const keys = new Set<string>();
    (q.answers ?? []).forEach((a, j) => {
      const key = typeof a === 'string' ? a : a.key;
      const path = typeof a === 'string' ? `${at}/answers/${j}` : `${at}/answers/${j}/key`;
      if (!KEYS.test(key))
        errors.push({ path, message: 'must be keys (digits, * and #) in an IVR questionnaire' });
      else if (keys.has(key)) errors.push({ path, message: `'${key}' is listed twice` });
      keys.add(key);
    });
  });
  return errors;
}
