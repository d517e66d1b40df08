import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { audit } from '../../store/audit.ts';
import { readResults } from '../../store/results.ts';
import { getTask } from '../../store/tasks.ts';
import { maySeePersonalData, requireTenant } from '../auth.ts';
import { assertVisible } from './service.ts';
import { resultItem } from './result-view.ts';
import type { AppDeps } from '../app.ts';
import { ResultPage } from './progress-views.ts';

const list = (s: string | undefined) => (s ? s.split(',').filter(Boolean) : undefined);

/**
 * Per-customer results of a task (state, final result, attempts, business result), filtered and
 * in keyset pages; per-attempt results are at …/attempts and in each customer's detail
 * (…/results/{sessionId}, ./result-detail-routes.ts). Personal data (numbers, encrypted
 * attributes) is shown only to roles that may see it, and every such read is audited.
 */
export const resultRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, clock, cipher },
) => {
  app.get(
    '/tenants/:tenantId/tasks/:taskId/results',
    {
      schema: {
        tags: ['results'],
        summary: 'Per-customer results with filters',
        params: Type.Object({ tenantId: Type.String(), taskId: Type.String() }),
        querystring: Type.Object({
          state: Type.Optional(Type.String({ description: 'comma-separated customer states' })),
          finalResult: Type.Optional(Type.String({ description: 'comma-separated result names' })),
          businessResult: Type.Optional(Type.String()),
          businessSubResult: Type.Optional(Type.String()),
          number: Type.Optional(Type.String({ description: 'part of a number' })),
          finishedFrom: Type.Optional(Type.String({ format: 'date-time' })),
          finishedTo: Type.Optional(Type.String({ format: 'date-time' })),
          after: Type.Optional(Type.Integer({ minimum: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
        }),
        response: { 200: ResultPage },
      },
    },
    async (req) => {
      const { tenantId, taskId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const q = req.query;
      const limit = q.limit ?? 100;
      const rows = await readResults(
        db,
        tenantId,
        taskId,
        {
          state: list(q.state),
          finalResult: list(q.finalResult),
          businessResult: q.businessResult,
          businessSubResult: q.businessSubResult,
          number: q.number,
          finishedFrom: q.finishedFrom,
          finishedTo: q.finishedTo,
        },
        { afterId: q.after ?? 0, limit },
      );
      const show = maySeePersonalData(p);
      if (show && rows.length) {
        await audit(db, {
          tenantId,
          at: clock.now(),
          actor: p.actor,
          action: 'results.read',
          subject: taskId,
          detail: { customers: rows.length },
        });
      }
      return {
        items: rows.map((r) => resultItem(r, show, cipher)),
        next: rows.length === limit ? rows.at(-1)!.id : null,
      };
    },
  );
};
