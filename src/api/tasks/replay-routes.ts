import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid } from '../../platform/errors.ts';
import { audit } from '../../store/audit.ts';
import { requeueFailed } from '../../store/outbox.ts';
import { getTask } from '../../store/tasks.ts';
import { requireTenant } from '../auth.ts';
import { assertVisible } from './service.ts';
import type { AppDeps } from '../app.ts';

const TaskParams = Type.Object({ tenantId: Type.String(), taskId: Type.String() });
const MAX_IDS = 1000;

/**
 * `POST …/deliveries/replay`: sends given-up callbacks and SMS of a task again — the ones named by
 * id, or every failed one of a kind and time range (when the receiver was down). They go back to
 * the durable outbox (retried with backoff, signed afresh at sending, delivered in order per
 * attempt), and the replay is audited with who asked and what was re-queued.
 */
export const replayRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, clock }) => {
  app.post(
    '/tenants/:tenantId/tasks/:taskId/deliveries/replay',
    {
      schema: {
        tags: ['results'],
        summary: 'Send given-up callbacks and SMS of the task again (by id, or by kind and time)',
        params: TaskParams,
        body: Type.Object({
          ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: MAX_IDS })),
          kind: Type.Optional(Type.Union([Type.Literal('callback'), Type.Literal('sms')])),
          from: Type.Optional(
            Type.String({ format: 'date-time', description: 'caused at or after' }),
          ),
          to: Type.Optional(Type.String({ format: 'date-time', description: 'caused before' })),
        }),
        response: {
          200: Type.Object({
            requeued: Type.Integer(),
            ids: Type.Array(Type.Integer(), { description: 'the deliveries sent again' }),
          }),
        },
      },
    },
    async (req) => {
      const { tenantId, taskId } = req.params;
      const p = requireTenant(req, tenantId, 'operate');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const { ids, kind, from, to } = req.body;
      if (!ids && !kind && !from && !to)
        throw invalid([
          { path: '/', message: 'name the deliveries: ids, or a kind and/or a time range' },
        ]);
      if (from && to && new Date(from) >= new Date(to))
        throw invalid([{ path: '/to', message: 'must be after from' }]);
      const now = clock.now();
      const requeued = await requeueFailed(
        db,
        tenantId,
        taskId,
        {
          ids,
          kind,
          from: from ? new Date(from) : undefined,
          to: to ? new Date(to) : undefined,
        },
        now,
      );
      await audit(db, {
        tenantId,
        at: now,
        actor: p.actor,
        action: 'deliveries.replay',
        subject: taskId,
        detail: {
          requested: { ids: ids?.length ?? null, kind, from, to },
          requeued: requeued.length,
        },
      });
      return { requeued: requeued.length, ids: requeued };
    },
  );
};
