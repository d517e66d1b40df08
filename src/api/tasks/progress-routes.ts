import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getTask } from '../../store/tasks.ts';
import { getTenant } from '../../store/tenants.ts';
import { listAttempts, taskProgress, tenantActiveCalls } from '../../store/progress.ts';
import { deliveryLog } from '../../store/outbox.ts';
import { heldCounts } from '../../store/compliance.ts';
import { taskAgentPacing } from '../../store/skill-queues.ts';
import { maySeePersonalData, requireTenant } from '../auth.ts';
import { assertVisible } from './service.ts';
import { maskNumber } from '../../domain/contact.ts';
import { explainContact } from './explain.ts';
import { AttemptPage, attemptItem } from './attempt-view.ts';
import type { AppDeps } from '../app.ts';
import { DeliveryPage, ExplanationView, ProgressView } from './progress-views.ts';

const TaskParams = Type.Object({ tenantId: Type.String(), taskId: Type.String() });
const tags = ['tasks'];

/** Tasks paced by agents show the queue's figures (null until the engine's first tick). */
async function agentPacingOf(
  db: AppDeps['db'],
  tenantId: string,
  task: { id: string; config: { strategy: { pacing?: string | undefined } } },
) {
  const mode = task.config.strategy.pacing;
  if (!mode || mode === 'fixed') return {};
  const a = await taskAgentPacing(db, tenantId, task.id);
  return { agentPacing: a && { ...a, at: new Date(a.at).toISOString() } };
}

export const progressRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, clock }) => {
  app.get(
    '/tenants/:tenantId/tasks/:taskId/progress',
    {
      schema: {
        tags,
        summary: 'Counts by customer state and result, calls in progress, channels in use',
        params: TaskParams,
        response: { 200: ProgressView },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'read');
      const task = assertVisible(
        await getTask(db, req.params.tenantId, req.params.taskId),
        req.params.taskId,
        p,
      );
      const progress = await taskProgress(db, req.params.tenantId, task.id);
      const tenant = await getTenant(db, req.params.tenantId);
      return {
        taskId: task.id,
        state: task.state,
        ...progress,
        firstAttemptAt: progress.firstAttemptAt?.toISOString() ?? null,
        lastAttemptAt: progress.lastAttemptAt?.toISOString() ?? null,
        held: await heldCounts(db, task.id),
        channels: {
          tenant: tenant?.settings.channels ?? 0,
          inUse: await tenantActiveCalls(db, req.params.tenantId),
        },
        ...(await agentPacingOf(db, req.params.tenantId, task)),
        at: clock.now().toISOString(),
      };
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/attempts',
    {
      schema: {
        tags,
        summary: 'The task’s attempts in the order they were placed (keyset pages)',
        params: TaskParams,
        querystring: Type.Object({
          sessionId: Type.Optional(Type.String()),
          after: Type.Optional(Type.Integer()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: { 200: AttemptPage },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'read');
      assertVisible(
        await getTask(db, req.params.tenantId, req.params.taskId),
        req.params.taskId,
        p,
      );
      const limit = req.query.limit ?? 100;
      const rows = await listAttempts(db, req.params.tenantId, req.params.taskId, {
        sessionId: req.query.sessionId,
        after: req.query.after,
        limit,
      });
      const show = maySeePersonalData(p);
      return {
        items: rows.map((r) => attemptItem(r, req.params, show)),
        next: rows.length === limit ? rows.at(-1)!.id : null,
      };
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/deliveries',
    {
      schema: {
        tags,
        summary:
          'The delivery log of the task’s callbacks and SMS: status, HTTP code, tries, last error',
        params: TaskParams,
        querystring: Type.Object({
          kind: Type.Optional(Type.Union([Type.Literal('callback'), Type.Literal('sms')])),
          state: Type.Optional(
            Type.Union([
              Type.Literal('pending'),
              Type.Literal('delivered'),
              Type.Literal('failed'),
            ]),
          ),
          after: Type.Optional(Type.Integer()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: { 200: DeliveryPage },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'read');
      assertVisible(
        await getTask(db, req.params.tenantId, req.params.taskId),
        req.params.taskId,
        p,
      );
      const limit = req.query.limit ?? 100;
      const rows = await deliveryLog(db, req.params.tenantId, req.params.taskId, {
        kind: req.query.kind,
        state: req.query.state,
        after: req.query.after,
        limit,
      });
      const show = maySeePersonalData(p);
      return {
        items: rows.map((r) => ({
          ...r,
          target: r.kind === 'sms' && !show ? maskNumber(r.target) : r.target,
          createdAt: r.createdAt.toISOString(),
          deliveredAt: r.deliveredAt?.toISOString() ?? null,
          nextAt: r.nextAt.toISOString(),
        })),
        next: rows.length === limit ? rows.at(-1)!.id : null,
      };
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/contacts/:sessionId/explain',
    {
      schema: {
        tags,
        summary: 'Why this customer is or is not being called right now',
        params: Type.Object({
          tenantId: Type.String(),
          taskId: Type.String(),
          sessionId: Type.String(),
        }),
        response: { 200: ExplanationView },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'read');
      assertVisible(
        await getTask(db, req.params.tenantId, req.params.taskId),
        req.params.taskId,
        p,
      );
      return explainContact(
        db,
        req.params.tenantId,
        req.params.taskId,
        req.params.sessionId,
        clock.now(),
      );
    },
  );
};
