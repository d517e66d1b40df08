import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../platform/errors.ts';
import { audit } from '../../store/audit.ts';
import { listAttempts } from '../../store/progress.ts';
import { readResults } from '../../store/results.ts';
import { getTask } from '../../store/tasks.ts';
import { maySeePersonalData, requireTenant } from '../auth.ts';
import { AttemptItem, attemptItem } from './attempt-view.ts';
import { resultItem } from './result-view.ts';
import { assertVisible } from './service.ts';
import type { AppDeps } from '../app.ts';

/** A customer's detail shows its first this many attempts; …/attempts?sessionId= pages them all. */
const MAX_ATTEMPTS = 200;

/**
 * One customer's result in detail: the per-customer fields of `GET …/results` and each of its
 * attempts with what the call collected (ring and talk time, digits, answers, path or robot
 * turns, transfer, recording URL). Personal data is shown, and audited, as in `GET …/results`.
 */
export const resultDetailRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, clock, cipher },
) => {
  app.get(
    '/tenants/:tenantId/tasks/:taskId/results/:sessionId',
    {
      schema: {
        tags: ['results'],
        summary: "One customer's result with every attempt and what each call collected",
        params: Type.Object({
          tenantId: Type.String(),
          taskId: Type.String(),
          sessionId: Type.String(),
        }),
        response: {
          200: Type.Object(
            { attemptResults: Type.Array(AttemptItem) },
            { additionalProperties: true, description: 'the fields of a GET …/results item too' },
          ),
        },
      },
    },
    async (req) => {
      const { tenantId, taskId, sessionId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const [row] = await readResults(
        db,
        tenantId,
        taskId,
        { sessionId },
        { afterId: 0, limit: 1 },
      );
      if (!row) throw new AppError('not_found', `customer '${sessionId}' not found`);
      const show = maySeePersonalData(p);
      if (show) {
        await audit(db, {
          tenantId,
          at: clock.now(),
          actor: p.actor,
          action: 'results.read',
          subject: taskId,
          detail: { customers: 1, sessionId },
        });
      }
      const attempts = await listAttempts(db, tenantId, taskId, { sessionId, limit: MAX_ATTEMPTS });
      return {
        ...resultItem(row, show, cipher),
        attemptResults: attempts.map((a) => attemptItem(a, { tenantId, taskId }, show)),
      };
    },
  );
};
