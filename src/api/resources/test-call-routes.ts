import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Questionnaire } from '../../domain/resources.ts';
import { parseFlow } from '../../ivr/flow.ts';
import { withQuestionnaire } from '../../ivr/questionnaire.ts';
import { withRobotTrustlist } from '../../ivr/robot.ts';
import { invalid, notFound } from '../../platform/errors.ts';
import { getResource } from '../../store/resources.ts';
import { getTenant } from '../../store/tenants.ts';
import { TestCallReport, TestCallScript, runTestCall } from '../../telephony/sim/test-call.ts';
import { requireTenant } from '../auth.ts';
import type { AppDeps } from '../app.ts';

const Body = Type.Object(
  {
    ...TestCallScript.properties,
    questionnaireId: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          "ask this questionnaire as a task that names it would (at the flow's questionnaire node, else where the flow ends)",
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * POST /tenants/{t}/flows/{id}/test-call: the flow as saved (draft or published) run once against
 * a simulated callee that presses the given keys; the report is what the designer highlights.
 * Tenant administrators only, like every other write to flows: a flow's robot nodes call out.
 */
export const testCallRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, clock }) => {
  app.post(
    '/tenants/:tenantId/flows/:id/test-call',
    {
      schema: {
        tags: ['resources: flows'],
        summary: 'Run a flow once on the simulated network (a test call)',
        description:
          'Runs the saved document for a simulated callee who presses `digits` (one every 0.5 s while listened to) and `keys` (at given times), and hangs up after `talkSec`. Nothing is stored.',
        params: Type.Object({ tenantId: Type.String(), id: Type.String() }),
        body: Body,
        response: { 200: TestCallReport },
      },
    },
    async (req) => {
      const { tenantId, id } = req.params;
      requireTenant(req, tenantId, 'admin');
      const tenant = await getTenant(db, tenantId);
      if (!tenant) throw notFound('tenant', tenantId);
      const row = await getResource(db, tenantId, 'flows', id);
      if (!row) throw notFound('flow', id);
      const { questionnaireId, ...script } = req.body;
      let questionnaire: Questionnaire | undefined;
      if (questionnaireId !== undefined) {
        const q = await getResource(db, tenantId, 'questionnaires', questionnaireId);
        if (!q)
          throw invalid([
            {
              path: '/questionnaireId',
              message: `questionnaire '${questionnaireId}' does not exist`,
            },
          ]);
        questionnaire = q.doc as unknown as Questionnaire;
        if (questionnaire.kind === 'manual')
          throw invalid([
            {
              path: '/questionnaireId',
              message: 'is a manual questionnaire (agents ask it; a flow cannot)',
            },
          ]);
      }
      const document = withRobotTrustlist(
        withQuestionnaire((row.doc.document ?? {}) as Record<string, unknown>, questionnaire),
        tenant.settings.callbackTrustlist,
      );
      const flow = parseFlow(document);
      if (flow.kind === 'invalid')
        throw invalid(
          flow.errors.map((e) => ({
            path: `/document${e.path === '/' ? '' : e.path}`,
            message: e.message,
          })),
          `Flow '${id}' cannot run`,
        );
      if (flow.kind === 'empty')
        // The empty flow holds the line until the callee hangs up: nothing runs, nothing is heard.
        return {
          ending: 'customer_hangup' as const,
          durationSec: script.talkSec ?? 300,
          path: [],
          steps: [],
          heard: [],
          collected: [],
          answers: [],
          variables: {},
          digits: '',
        };
      return runTestCall(flow.doc, script, clock.now());
    },
  );
};
