import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TaskConfig } from '../../domain/task-config.ts';
import { TASK_STATES, type TaskState } from '../../domain/lifecycle.ts';
import { getTask, listTaskEvents, listTasks, type Task } from '../../store/tasks.ts';
import { AppError } from '../../platform/errors.ts';
import { requireTenant } from '../auth.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { applyAction, assertVisible, createTask, editTask, removeTask } from './service.ts';
import type { AppDeps } from '../app.ts';
import { NoContent } from '../openapi.ts';
import { resultDetailRoutes } from './result-detail-routes.ts';
import { answersRoutes } from './answers-routes.ts';
import { forecastRoutes } from './forecast-routes.ts';

export const TaskView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.Union(TASK_STATES.map((s) => Type.Literal(s))),
  ouId: Type.Union([Type.String(), Type.Null()]),
  type: Type.String(),
  priority: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  stateChangedAt: Type.String({ format: 'date-time' }),
  config: TaskConfig,
});

/** One audited lifecycle event (create, start, suspend, complete, edit, …). */
const TaskEventView = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({ description: "who: 'key:…(role)' or 'engine'" }),
  action: Type.String(),
  fromState: Type.Union([Type.String(), Type.Null()]),
  toState: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

export const taskView = (t: Task) => ({
  id: t.id,
  name: t.name,
  state: t.state,
  ouId: t.ouId,
  type: t.type,
  priority: t.priority,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
  stateChangedAt: t.stateChangedAt.toISOString(),
  config: t.config,
});

const Params = Type.Object({ tenantId: Type.String() });
const TaskParams = Type.Object({ tenantId: Type.String(), taskId: Type.String() });
const tags = ['tasks'];
// The body is validated by the domain (structure and the tenant's rules together, all errors at
// once); the schema is attached for the OpenAPI document only.
const documented = { attachValidation: true } as const;

export const taskRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, clock, resolve } = deps;
  // The per-customer detail with its attempts' outcomes; registered here so app.ts needs no entry.
  await app.register(resultDetailRoutes, deps);
  await app.register(answersRoutes, deps);
  await app.register(forecastRoutes, deps);
  app.post(
    '/tenants/:tenantId/tasks',
    {
      ...documented,
      schema: {
        tags,
        summary: 'Create a task (draft)',
        params: Params,
        body: TaskConfig,
        response: { 201: TaskView },
      },
    },
    async (req, reply) => {
      const p = requireTenant(req, req.params.tenantId, 'operate');
      const task = await createTask(
        db,
        req.params.tenantId,
        req.body,
        p,
        clock.now(),
        resolve,
        deps.preparePrompts,
      );
      return reply.code(201).send(taskView(task));
    },
  );

  app.get(
    '/tenants/:tenantId/tasks',
    {
      schema: {
        tags,
        summary: 'List tasks, newest first',
        params: Params,
        querystring: Type.Object({
          state: Type.Optional(Type.Union(TASK_STATES.map((s) => Type.Literal(s)))),
          name: Type.Optional(Type.String({ description: 'part of the name' })),
          ouId: Type.Optional(Type.String({ description: 'an OU id, or "none" for Unorganized' })),
          cursor: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(TaskView),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'read');
      const limit = req.query.limit ?? 50;
      let ouId: string | null | undefined = req.query.ouId === 'none' ? null : req.query.ouId;
      if (p.role === 'ou_operator') {
        if (ouId !== undefined && ouId !== p.ouId) return { items: [], next: null };
        ouId = p.ouId;
      }
      const cur = req.query.cursor ? decodeCursor(req.query.cursor) : undefined;
      const before = cur ? { createdAt: new Date(String(cur.c)), id: String(cur.i) } : undefined;
      if (before && Number.isNaN(before.createdAt.getTime()))
        throw new AppError('bad_request', 'invalid cursor');
      const items = await listTasks(db, req.params.tenantId, {
        state: req.query.state as TaskState | undefined,
        name: req.query.name,
        ouId,
        before,
        limit,
      });
      const last = items.at(-1);
      return {
        items: items.map(taskView),
        next:
          items.length === limit && last
            ? encodeCursor({ c: last.createdAt.toISOString(), i: last.id })
            : null,
      };
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId',
    { schema: { tags, summary: 'Get a task', params: TaskParams, response: { 200: TaskView } } },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'read');
      return taskView(
        assertVisible(
          await getTask(db, req.params.tenantId, req.params.taskId),
          req.params.taskId,
          p,
        ),
      );
    },
  );

  app.put(
    '/tenants/:tenantId/tasks/:taskId',
    {
      ...documented,
      schema: {
        tags,
        summary: 'Replace the configuration (draft or suspended only)',
        params: TaskParams,
        body: TaskConfig,
        response: { 200: TaskView },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'operate');
      return taskView(
        await editTask(
          db,
          req.params.tenantId,
          req.params.taskId,
          req.body,
          p,
          clock.now(),
          resolve,
          deps.preparePrompts,
        ),
      );
    },
  );

  app.delete(
    '/tenants/:tenantId/tasks/:taskId',
    {
      schema: {
        tags,
        summary: 'Delete a task that is not running',
        params: TaskParams,
        response: { 204: NoContent },
      },
    },
    async (req, reply) => {
      const p = requireTenant(req, req.params.tenantId, 'operate');
      await removeTask(db, req.params.tenantId, req.params.taskId, p, clock.now());
      return reply.code(204).send();
    },
  );

  for (const action of ['start', 'suspend'] as const) {
    app.post(
      `/tenants/:tenantId/tasks/:taskId/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'start'
              ? 'Start (from draft or suspended)'
              : 'Suspend (from running or completed)',
          params: TaskParams,
          response: { 200: TaskView },
        },
      },
      async (req) => {
        const p = requireTenant(req, req.params.tenantId, 'operate');
        return taskView(
          await applyAction(db, req.params.tenantId, req.params.taskId, action, p, clock.now()),
        );
      },
    );
  }

  app.get(
    '/tenants/:tenantId/tasks/:taskId/events',
    {
      schema: {
        tags,
        summary: 'The audited lifecycle events of a task',
        params: TaskParams,
        response: { 200: Type.Object({ items: Type.Array(TaskEventView) }) },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'read');
      assertVisible(
        await getTask(db, req.params.tenantId, req.params.taskId),
        req.params.taskId,
        p,
      );
      const events = await listTaskEvents(db, req.params.tenantId, req.params.taskId);
      return { items: events.map((e) => ({ ...e, at: e.at.toISOString() })) };
    },
  );
};
