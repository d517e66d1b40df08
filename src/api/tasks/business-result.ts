import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { nextWindowStart } from '../../domain/calling-windows.ts';
import { roundOrder } from '../../domain/number-rounds.ts';
import { decideAfterBusinessResult } from '../../domain/retry-policy.ts';
import { buildRuntime } from '../../engine/task-runtime.ts';
import { invalid, notFound } from '../../platform/errors.ts';
import { audit } from '../../store/audit.ts';
import type { HistoryEntry, StoredNumber } from '../../store/claim.ts';
import { settleContact } from '../../store/settle.ts';
import { loadWorld } from '../../store/resources.ts';
import { getTask } from '../../store/tasks.ts';
import { getTenant } from '../../store/tenants.ts';
import { requireOu, requireTenant } from '../auth.ts';
import { assertVisible } from './service.ts';
import type { AppDeps } from '../app.ts';

const Body = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'a business result of the tenant',
    }),
    subCode: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 64 })])),
    remark: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

/** What was recorded and what the business result policy did about it. */
const Recorded = Type.Object({
  sessionId: Type.String(),
  businessResult: Type.Object({
    code: Type.String(),
    subCode: Type.Union([Type.String(), Type.Null()]),
    remark: Type.Union([Type.String(), Type.Null()]),
  }),
  policy: Type.Object({
    action: Type.Union([Type.Literal('none'), Type.Literal('finish'), Type.Literal('call')]),
    reason: Type.Optional(Type.String()),
    number: Type.Optional(Type.String({ description: 'the number called next (action call)' })),
    notBefore: Type.Optional(Type.String({ format: 'date-time' })),
  }),
});

/**
 * Business result write-back (the seed's "Business Result" remark on a customer). It is stored on
 * the customer and may trigger the task's business result policy: stop, call the next number, or
 * call the same number again after an interval — reopening a finished customer if need be.
 */
export const businessResultRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, clock },
) => {
  app.put(
    '/tenants/:tenantId/tasks/:taskId/contacts/:sessionId/business-result',
    {
      schema: {
        tags: ['results'],
        summary:
          'Record a customer’s business result (two levels); applies the business result policy',
        params: Type.Object({
          tenantId: Type.String(),
          taskId: Type.String(),
          sessionId: Type.String(),
        }),
        body: Body,
        response: { 200: Recorded },
      },
    },
    async (req) => {
      const { tenantId, taskId, sessionId } = req.params;
      const p = requireTenant(req, tenantId, 'operate');
      const task = assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      requireOu(p, task.ouId);
      const tenant = (await getTenant(db, tenantId))!;
      const world = await loadWorld(db, tenantId, tenant.settings);
      const { code, subCode = null, remark = null } = req.body;
      const result = world.businessResults.find((b) => b.id === code);
      const errors = [];
      if (!result)
        errors.push({
          path: '/code',
          message: `'${code}' is not a business result of this tenant`,
        });
      else if (task.config.businessResultId && task.config.businessResultId !== code) {
        errors.push({
          path: '/code',
          message: `this task records only business result '${task.config.businessResultId}'`,
        });
      }
      if (result && subCode !== null && !result.subResults.some((s) => s.code === subCode)) {
        errors.push({ path: '/subCode', message: `'${subCode}' is not a sub-result of '${code}'` });
      }
      if (errors.length) throw invalid(errors, 'Invalid business result');

      const now = clock.now();
      const rt = buildRuntime(
        {
          tenantId,
          id: task.id,
          name: task.name,
          priority: task.priority,
          config: task.config,
          tenant: tenant.settings,
        },
        world,
      );
      const applied = await db.transaction().execute(async (trx) => {
        const c = await trx
          .selectFrom('contacts')
          .select(['id', 'state', 'numbers', 'history', 'next_number'])
          .where('tenant_id', '=', tenantId)
          .where('task_id', '=', taskId)
          .where('session_id', '=', sessionId)
          .forUpdate()
          .executeTakeFirst();
        if (!c) throw notFound('customer', sessionId);
        await trx
          .updateTable('contacts')
          .set({
            business_result: JSON.stringify({
              code,
              subCode,
              remark,
              at: now.toISOString(),
              by: p.actor,
            }),
          })
          .where('id', '=', c.id)
          .execute();
        if (c.state === 'dialing')
          return {
            action: 'none' as const,
            reason: 'a call is in progress; the policy applies to results recorded between calls',
          };
        const numbers = c.numbers as StoredNumber[];
        const history = c.history as HistoryEntry[];
        const order = roundOrder(numbers, task.config.callStrategy.numberRounds);
        const numberIndex = history.at(-1)?.numberIndex ?? c.next_number ?? order[0] ?? 0;
        const d = decideAfterBusinessResult({
          rules: task.config.businessResultPolicy,
          code,
          subCode,
          numberIndex,
          numbers,
          order,
          now,
          windowStart: (t) => nextWindowStart(t, rt.window),
        });
        if (!d) return { action: 'none' as const };
        if (d.kind === 'finish') {
          await settleContact(trx, c.id, history, {
            kind: 'finish',
            result: history.at(-1)?.result ?? 'none',
            reason: d.reason,
            at: now,
          });
          return { action: 'finish' as const, reason: d.reason };
        }
        await settleContact(trx, c.id, history, {
          kind: 'retry',
          numberIndex: d.numberIndex,
          dueAt: d.notBefore,
          ready: d.notBefore <= now,
        });
        return {
          action: 'call' as const,
          number: numbers[d.numberIndex]?.number,
          notBefore: d.notBefore.toISOString(),
        };
      });
      await audit(db, {
        tenantId,
        at: now,
        actor: p.actor,
        action: 'contacts.business_result',
        subject: `${taskId}/${sessionId}`,
        detail: { code, subCode },
      });
      return { sessionId, businessResult: { code, subCode, remark }, policy: applied };
    },
  );
};
