import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FieldError } from '../../platform/errors.ts';
import { invalid, notFound } from '../../platform/errors.ts';
import { getResource } from '../../store/resources.ts';
import { queueStates, saveQueueState } from '../../store/skill-queues.ts';
import { requireOu, requireTenant, ouVisible } from '../auth.ts';
import type { AppDeps } from '../app.ts';

/**
 * The contact centre tells Outbound how each skill queue stands (docs/api.md "Skill queue state"):
 * agents logged in, ready and busy, customers waiting and the average handle time. Tasks paced
 * by agents (`strategy.pacing` progressive or predictive) dial by the last state pushed; a state
 * older than two minutes counts as unknown and pauses them.
 */
const Params = Type.Object({ tenantId: Type.String(), id: Type.String() });
const Count = (description: string) => Type.Integer({ minimum: 0, maximum: 100_000, description });
const QueueStateBody = Type.Object(
  {
    loggedIn: Count('agents logged in to the queue'),
    ready: Count('agents logged in and free to take a customer now'),
    busy: Count('agents with a customer (talking or wrapping up)'),
    waiting: Type.Optional(Count('customers waiting in the queue, from every source (default 0)')),
    avgHandleSec: Type.Number({
      minimum: 1,
      maximum: 86_400,
      description: 'average handle time of the queue (talk and wrap-up), seconds',
    }),
  },
  { additionalProperties: false },
);
const QueueStateView = Type.Object(
  {
    queueId: Type.String(),
    loggedIn: Type.Integer(),
    ready: Type.Integer(),
    busy: Type.Integer(),
    waiting: Type.Integer(),
    avgHandleSec: Type.Number(),
    reportedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
const tags = ['skill queues'];

export const skillQueueRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, clock }) => {
  async function queueOf(tenantId: string, id: string) {
    const q = await getResource(db, tenantId, 'skillQueues', id);
    if (!q) throw notFound('skill queue', id);
    return q;
  }

  app.put(
    '/tenants/:tenantId/skill-queues/:id/state',
    {
      schema: {
        tags,
        operationId: 'pushSkillQueueState',
        summary: 'Push how a skill queue stands now (the contact centre, every few seconds)',
        params: Params,
        body: QueueStateBody,
        response: { 200: QueueStateView },
      },
    },
    async (req) => {
      const { tenantId, id } = req.params;
      const p = requireTenant(req, tenantId, 'operate');
      const q = await queueOf(tenantId, id);
      if (!ouVisible(p, q.ouId)) throw notFound('skill queue', id);
      requireOu(p, q.ouId);
      const b = req.body;
      const errors: FieldError[] = [];
      if (b.ready > b.loggedIn)
        errors.push({ path: '/ready', message: `must not exceed loggedIn (${b.loggedIn})` });
      if (b.busy > b.loggedIn)
        errors.push({ path: '/busy', message: `must not exceed loggedIn (${b.loggedIn})` });
      if (b.ready + b.busy > b.loggedIn && b.ready <= b.loggedIn && b.busy <= b.loggedIn)
        errors.push({
          path: '/ready',
          message: `ready + busy (${b.ready + b.busy}) must not exceed loggedIn (${b.loggedIn})`,
        });
      if (errors.length) throw invalid(errors, 'Invalid skill queue state');
      const state = { ...b, waiting: b.waiting ?? 0, reportedAt: clock.now() };
      await saveQueueState(db, tenantId, id, state);
      return { queueId: id, ...state, reportedAt: state.reportedAt.toISOString() };
    },
  );

  app.get(
    '/tenants/:tenantId/skill-queues/:id/state',
    {
      schema: {
        tags,
        operationId: 'getSkillQueueState',
        summary: 'The skill queue state last pushed (404 before the first push)',
        params: Params,
        response: { 200: QueueStateView },
      },
    },
    async (req) => {
      const { tenantId, id } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      const q = await queueOf(tenantId, id);
      if (!ouVisible(p, q.ouId)) throw notFound('skill queue', id);
      const s = (await queueStates(db, tenantId, [id])).get(id);
      if (!s) throw notFound('skill queue state', id);
      const { at, ...rest } = s;
      return { queueId: id, ...rest, reportedAt: new Date(at).toISOString() };
    },
  );
};
