import type { ResourceKind } from './resources.ts';
import type { PolicyBody, TaskConfig } from './task-config.ts';
import { isResultName } from './result-codes.ts';

/** Every resource a task configuration refers to, so a resource in use cannot be deleted. */
export function taskReferences(c: TaskConfig): { kind: ResourceKind; id: string }[] {
  const refs: { kind: ResourceKind; id: string }[] = [];
  const add = (kind: ResourceKind, id: string | null | undefined) => {
    if (id) refs.push({ kind, id });
  };
  add('ous', c.ouId);
  add('flows', c.flowId);
  add('robots', c.robotId);
  add('callerGroups', c.callerGroupId);
  for (const n of c.callerNumbers ?? []) add('callerNumbers', n);
  add('skillQueues', c.skillQueueId);
  add('skillQueues', c.strategy?.pacingQueueId);
  add('businessResults', c.businessResultId);
  add('questionnaires', c.manualQuestionnaireId);
  add('questionnaires', c.questionnaire?.questionnaireId);
  add('smsTemplates', c.sms?.templateId);
  add('blocklists', c.blocklistId);
  for (const d of c.schedule?.specialDates ?? []) add('specialDates', d);
  for (const f of c.strategy?.filter?.conditions ?? []) add('attributes', f.attribute);
  for (const a of c.callStrategy?.order?.attributes ?? []) add('attributes', a.attribute);
  for (const t of c.callStrategy?.numberRounds?.numberTypes ?? []) add('numberTypes', t);
  const policies: PolicyBody[] = [];
  const rp = c.resultPolicy;
  if (rp?.kind === 'global') policies.push(rp);
  if (rp?.kind === 'contact') {
    policies.push(rp.default);
    for (const t of rp.numberTypes ?? []) {
      add('numberTypes', t.numberType);
      policies.push(t);
    }
  }
  for (const p of policies) {
    for (const r of [...(p.rules ?? []).map((x) => x.result), ...(p.nonRetryResults ?? [])]) {
      if (!isResultName(r)) add('resultDefinitions', r);
    }
  }
  for (const b of c.businessResultPolicy ?? []) add('businessResults', b.code);
  return refs;
}
