import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Questionnaire } from '../../domain/resources.ts';
import { answersOf, type AnswerView } from '../../domain/attempt-outcome.ts';
import type { TaskConfig } from '../../domain/task-config.ts';
import { conflict, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import { audit } from '../../store/audit.ts';
import { listAttempts } from '../../store/progress.ts';
import { getResource } from '../../store/resources.ts';
import { getAttempt, setAttemptAnswers } from '../../store/results.ts';
import { getTask } from '../../store/tasks.ts';
import { maySeePersonalData, requireOu, requireTenant } from '../auth.ts';
import { AttemptItem, attemptItem } from './attempt-view.ts';
import { assertVisible } from './service.ts';
import type { AppDeps } from '../app.ts';

const Body = Type.Object(
  {
    answers: Type.Array(
      Type.Object(
        {
          questionId: Type.String({ minLength: 1, maxLength: 64 }),
          answer: Type.String({ minLength: 1, maxLength: 200 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);

/** The questionnaire an agent fills for the task: its manual one, else a manual_and_ivr one. */
function manualQuestionnaireId(c: TaskConfig): string | null {
  if (c.manualQuestionnaireId) return c.manualQuestionnaireId;
  if (c.questionnaire?.mode === 'manual_and_ivr') return c.questionnaire.questionnaireId ?? null;
  return null;
}

/**
 * An agent's answers to the task's manual questionnaire, for an answered attempt (typically a call
 * transferred to the agent): each answer names a question of the questionnaire and, when the
 * question lists answers, is one of them (its key or its label). An agent's answer replaces any
 * earlier answer to the same question; the other answers (the IVR's) are kept.
 */
export const answersRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, clock }) => {
  app.put(
    '/tenants/:tenantId/tasks/:taskId/attempts/:attemptId/answers',
    {
      schema: {
        tags: ['results'],
        summary: "An agent's answers to the task's manual questionnaire for one answered attempt",
        params: Type.Object({
          tenantId: Type.String(),
          taskId: Type.String(),
          attemptId: Type.Integer({ minimum: 1 }),
        }),
        body: Body,
        response: { 200: AttemptItem },
      },
    },
    async (req) => {
      const { tenantId, taskId, attemptId } = req.params;
      const p = requireTenant(req, tenantId, 'operate');
      const task = assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      requireOu(p, task.ouId);
      const qid = manualQuestionnaireId(task.config);
      if (!qid) throw conflict('the task has no manual questionnaire');
      const res = await getResource(db, tenantId, 'questionnaires', qid);
      if (!res) throw conflict(`questionnaire '${qid}' no longer exists`);
      const q = res.doc as unknown as Questionnaire;
      const attempt = await getAttempt(db, tenantId, taskId, attemptId);
      if (!attempt) throw notFound('attempt', String(attemptId));
      if (!attempt.answered_at) throw conflict('the attempt was not answered');
      if (attempt.state === 'active') throw conflict('the call is still in progress');

      const errors: FieldError[] = [];
      const given: AnswerView[] = [];
      const seen = new Set<string>();
      req.body.answers.forEach((a, i) => {
        const question = q.questions.find((x) => x.id === a.questionId);
        if (!question) {
          errors.push({
            path: `/answers/${i}/questionId`,
            message: `questionnaire '${qid}' has no question '${a.questionId}'`,
          });
          return;
        }
        if (seen.has(a.questionId))
          errors.push({ path: `/answers/${i}/questionId`, message: 'is answered twice' });
        seen.add(a.questionId);
        const options = (question.answers ?? []).map((o) =>
          typeof o === 'string' ? { key: o, label: undefined } : o,
        );
        const hit = options.find((o) => o.key === a.answer || o.label === a.answer);
        if (options.length && !hit) {
          const allowed = options.map((o) => o.label ?? o.key).join(', ');
          errors.push({ path: `/answers/${i}/answer`, message: `must be one of ${allowed}` });
          return;
        }
        given.push({
          questionId: question.id,
          label: question.label ?? (question.text.trim() || question.id),
          answer: hit ? hit.key : a.answer,
          ...(hit?.label ? { answerLabel: hit.label } : {}),
          by: 'agent',
        });
      });
      if (errors.length) throw invalid(errors);

      const kept = answersOf(attempt.detail?.answers).filter((a) => !seen.has(a.questionId));
      if (!(await setAttemptAnswers(db, tenantId, attemptId, [...kept, ...given])))
        throw conflict('the call is still in progress');
      await audit(db, {
        tenantId,
        at: clock.now(),
        actor: p.actor,
        action: 'attempt.answers',
        subject: taskId,
        detail: { attemptId, questionnaireId: qid, questions: [...seen] },
      });
      const [row] = await listAttempts(db, tenantId, taskId, {
        sessionId: attempt.session_id,
        after: attemptId - 1,
        limit: 1,
      });
      return attemptItem(row!, { tenantId, taskId }, maySeePersonalData(p));
    },
  );
};
