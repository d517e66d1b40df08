import type { Zone } from 'luxon';
import { resolveZone, type WindowContext } from '../domain/calling-windows.ts';
import type { Attribute, ResultDefinition, SpecialDate, World } from '../domain/resources.ts';
import type { TaskConfig } from '../domain/task-config.ts';
import type { TenantSettings } from '../domain/tenant.ts';
import { unrunnableFlow } from '../ivr/flow.ts';
import { robotFlow, withRobotTrustlist } from '../ivr/robot.ts';
import { withQuestionnaire } from '../ivr/questionnaire.ts';

/** What the engine derives once from a task's configuration and its tenant's world. */
export interface TaskRuntime {
  tenantId: string;
  taskId: string;
  name: string;
  priority: number;
  config: TaskConfig;
  tenant: TenantSettings;
  zone: Zone;
  window: WindowContext;
  callers: string[];
  attributes: Attribute[];
  resultDefinitions: ResultDefinition[];
  specialDates: SpecialDate[];
  /** The next caller number to use (round robin). */
  nextCaller: number;
  flow: Record<string, unknown>;
  /** The failure SMS template of the task, if any. */
  sms: { type: 'cloud' | 'gateway'; templateId: string; text: string } | null;
  /** Codes of encrypted attributes (never put into messages). */
  encrypted: ReadonlySet<string>;
  /** The skill queue whose agents pace the task (pacing progressive or predictive). */
  pacingQueue: { id: string; name: string } | null;
}

export function buildRuntime(
  t: {
    tenantId: string;
    id: string;
    name: string;
    priority: number;
    config: TaskConfig;
    tenant: TenantSettings;
  },
  world: World,
): TaskRuntime {
  const c = t.config;
  const zone = resolveZone(c.timeZone, t.tenant.timeZone);
  const group = c.callerGroupId
    ? world.callerGroups.find((g) => g.id === c.callerGroupId)
    : undefined;
  const callers = c.callerNumbers?.length ? [...c.callerNumbers] : [...(group?.numbers ?? [])];
  return {
    tenantId: t.tenantId,
    taskId: t.id,
    name: t.name,
    priority: t.priority,
    config: c,
    tenant: t.tenant,
    zone,
    window: {
      schedule: c.schedule,
      specialDates: world.specialDates,
      zone,
      taskStart: new Date(c.start),
      taskEnd: new Date(c.end),
    },
    callers,
    attributes: world.attributes,
    resultDefinitions: world.resultDefinitions,
    specialDates: world.specialDates,
    nextCaller: 0,
    // Robot addresses are checked again before each request against the tenant's trustlist.
    flow: withRobotTrustlist(
      withQuestionnaire(contentOf(c, world), questionnaireOf(c, world)),
      t.tenant.callbackTrustlist,
    ),
    sms: smsOf(c, world),
    encrypted: new Set(world.attributes.filter((a) => a.encrypted).map((a) => a.code)),
    pacingQueue: pacingQueueOf(c, world),
  };
}

/** Flows and robots transfer to a queue by its name; the contact centre pushes it by its id. */
function pacingQueueOf(c: TaskConfig, world: World): TaskRuntime['pacingQueue'] {
  if (!c.strategy.pacing || c.strategy.pacing === 'fixed') return null;
  const id = c.strategy.pacingQueueId ?? c.skillQueueId;
  if (!id) return null;
  const q = world.skillQueues.find((x) => x.id === id);
  return { id, name: q?.name ?? id };
}

/**
 * What an answered call of the task runs: a robot task its robot (then a transfer to the skill
 * queue, if set), an IVR task its flow. Content that cannot run (a robot without an endpoint, a
 * flow that no longer exists) ends each answered call as `system_error` saying why, rather than
 * holding the line with nobody speaking.
 */
function contentOf(c: TaskConfig, world: World): Record<string, unknown> {
  if (c.type === 'robot') {
    const robot = world.robots.find((r) => r.id === c.robotId);
    if (!robot) return unrunnableFlow(`robot '${c.robotId}' does not exist`);
    const queue = c.skillQueueId
      ? world.skillQueues.find((q) => q.id === c.skillQueueId)?.name
      : undefined;
    if (robot.kind === 'speech') return speechFlow(robot.document, queue);
    if (!robot.endpoint) return unrunnableFlow(`robot '${robot.id}' has no endpoint`);
    return robotFlow(robot.endpoint, { skillQueue: queue ?? null }) as unknown as Record<
      string,
      unknown
    >;
  }
  const flow = c.flowId ? world.flows.find((f) => f.id === c.flowId) : undefined;
  if (!flow) return unrunnableFlow(`flow '${c.flowId}' does not exist`);
  return flow.document;
}

/**
 * A speech robot runs its dialogue; its transfer steps go to the task's skill queue (the name the
 * call data's `SkillQueueName` gives, else the task's), like an HTTP robot's transfer.
 */
function speechFlow(dialogue: Record<string, unknown>, queue: string | undefined) {
  return {
    nodes: [
      {
        id: 'robot',
        type: 'speech',
        dialogue,
        ...(queue ? { skillQueue: queue } : {}),
        next: 'end',
      },
      { id: 'end', type: 'hangup' },
    ],
  };
}

/** The questionnaire the task asks in its flow (modes ivr and manual_and_ivr). */
function questionnaireOf(c: TaskConfig, world: World) {
  const q = c.questionnaire;
  if (!q || q.mode === 'none' || !q.questionnaireId) return undefined;
  return world.questionnaires.find((x) => x.id === q.questionnaireId && x.kind !== 'manual');
}

/** The calls per second a task is configured for (shares between tasks of equal priority). */
export const rateOf = (rt: TaskRuntime) =>
  rt.config.strategy.callsPerInterval / rt.config.strategy.intervalSec;

function smsOf(c: TaskConfig, world: World): TaskRuntime['sms'] {
  if (!c.sms) return null;
  const t = world.smsTemplates.find((x) => x.id === c.sms!.templateId);
  return t ? { type: c.sms.type, templateId: t.id, text: t.text } : null;
}
