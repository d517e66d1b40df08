import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, notFound } from '../../platform/errors.ts';
import { getTask } from '../../store/tasks.ts';
import {
  deleteTemplate,
  getTemplate,
  insertTemplate,
  listTemplates,
  type Template,
} from '../../store/templates.ts';
import { requireOu, requireTenant } from '../auth.ts';
import { assertVisible, createTask } from '../tasks/service.ts';
import { taskView, TaskView } from '../tasks/routes.ts';
import type { AppDeps } from '../app.ts';
import { NoContent } from '../openapi.ts';

/**
 * Templates preset any part of a task configuration (the seed: "certain parameters are preset").
 * A template is stored as given; the task made from it is validated as a whole.
 */
const Params = Type.Object({ tenantId: Type.String() });
const ItemParams = Type.Object({ tenantId: Type.String(), templateId: Type.String() });
const tags = ['templates'];
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Partial = Type.Record(Type.String(), Type.Unknown(), {
  description: 'any part of a task configuration',
});

const TemplateView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  ouId: Type.Union([Type.String(), Type.Null()]),
  config: Partial,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const view = (t: Template) => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

/** Objects merge key by key; arrays and scalars of the override replace the template's. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (
    base &&
    over &&
    typeof base === 'object' &&
    typeof over === 'object' &&
    !Array.isArray(base) &&
    !Array.isArray(over)
  ) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>))
      out[k] = deepMerge(out[k], v);
    return out;
  }
  return over;
}

export const templateRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, clock, resolve },
) => {
  async function save(
    tenantId: string,
    name: string,
    config: Record<string, unknown>,
  ): Promise<Template> {
    const { name: _taskName, ...preset } = config;
    const t = await insertTemplate(db, tenantId, {
      id: randomUUID(),
      name,
      ouId: (preset.ouId as string | null) ?? null,
      config: preset,
      now: clock.now(),
    });
    if (!t)
      throw new AppError('validation', 'Invalid template', {
        errors: [{ path: '/name', message: `a template named '${name}' already exists` }],
      });
    return t;
  }

  app.post(
    '/tenants/:tenantId/templates',
    {
      schema: {
        tags,
        summary: 'Create a template',
        params: Params,
        body: Type.Object({ name: Name, config: Partial }),
        response: { 201: TemplateView },
      },
    },
    async (req, reply) => {
      const p = requireTenant(req, req.params.tenantId, 'operate');
      requireOu(p, (req.body.config.ouId as string | null | undefined) ?? null);
      return reply
        .code(201)
        .send(view(await save(req.params.tenantId, req.body.name, req.body.config)));
    },
  );

  app.post(
    '/tenants/:tenantId/tasks/:taskId/template',
    {
      schema: {
        tags,
        summary: 'Save a task’s configuration as a template',
        params: Type.Object({ tenantId: Type.String(), taskId: Type.String() }),
        body: Type.Object({ name: Name }),
        response: { 201: TemplateView },
      },
    },
    async (req, reply) => {
      const p = requireTenant(req, req.params.tenantId, 'operate');
      const task = assertVisible(
        await getTask(db, req.params.tenantId, req.params.taskId),
        req.params.taskId,
        p,
      );
      return reply
        .code(201)
        .send(
          view(
            await save(
              req.params.tenantId,
              req.body.name,
              task.config as unknown as Record<string, unknown>,
            ),
          ),
        );
    },
  );

  app.get(
    '/tenants/:tenantId/templates',
    {
      schema: {
        tags,
        summary: 'List templates',
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(TemplateView) }) },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'read');
      const items = await listTemplates(
        db,
        req.params.tenantId,
        p.role === 'ou_operator' ? [p.ouId, null] : undefined,
      );
      return { items: items.map(view) };
    },
  );

  app.get(
    '/tenants/:tenantId/templates/:templateId',
    {
      schema: {
        tags,
        summary: 'Get a template',
        params: ItemParams,
        response: { 200: TemplateView },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'read');
      const t = await getTemplate(db, req.params.tenantId, req.params.templateId);
      if (!t || (p.role === 'ou_operator' && t.ouId !== null && t.ouId !== p.ouId))
        throw notFound('template', req.params.templateId);
      return view(t);
    },
  );

  app.delete(
    '/tenants/:tenantId/templates/:templateId',
    {
      schema: {
        tags,
        summary: 'Delete a template',
        params: ItemParams,
        response: { 204: NoContent },
      },
    },
    async (req, reply) => {
      const p = requireTenant(req, req.params.tenantId, 'operate');
      const t = await getTemplate(db, req.params.tenantId, req.params.templateId);
      if (!t) throw notFound('template', req.params.templateId);
      requireOu(p, t.ouId);
      await deleteTemplate(db, req.params.tenantId, req.params.templateId);
      return reply.code(204).send();
    },
  );

  app.post(
    '/tenants/:tenantId/templates/:templateId/tasks',
    {
      schema: {
        tags,
        summary:
          'Create a task from a template: the body overrides the preset parts (name is required)',
        params: ItemParams,
        body: Type.Intersect([Type.Object({ name: Type.String() }), Partial]),
        response: { 201: TaskView },
      },
    },
    async (req, reply) => {
      const p = requireTenant(req, req.params.tenantId, 'operate');
      const t = await getTemplate(db, req.params.tenantId, req.params.templateId);
      if (!t) throw notFound('template', req.params.templateId);
      const config = deepMerge(t.config, req.body);
      return reply
        .code(201)
        .send(taskView(await createTask(db, req.params.tenantId, config, p, clock.now(), resolve)));
    },
  );
};
