import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, notFound } from '../../platform/errors.ts';
import { listApiKeys, revokeApiKey, ROLES, type ApiKey } from '../../store/api-keys.ts';
import { getTenant } from '../../store/tenants.ts';
import { getResource } from '../../store/resources.ts';
import { audit } from '../../store/audit.ts';
import { createApiKey, requireSystemAdmin, requireTenant } from '../auth.ts';
import type { AppDeps } from '../app.ts';
import { NoContent } from '../openapi.ts';

const KeyView = Type.Object({
  id: Type.String(),
  tenantId: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  ouId: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
const Created = Type.Object({
  key: Type.String({ description: 'shown only once' }),
  apiKey: KeyView,
});
const TenantRole = Type.Union(
  ROLES.filter((r) => r !== 'system_admin').map((r) => Type.Literal(r)),
);
const view = (k: ApiKey) => ({
  id: k.id,
  tenantId: k.tenantId,
  role: k.role,
  ouId: k.ouId,
  name: k.name,
  createdAt: k.createdAt.toISOString(),
});

export const keyRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, clock }) => {
  app.post(
    '/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create another system administrator key',
        // Not derived: `postKeys` names the tenant's key route (tenant routes drop their prefix).
        operationId: 'postSystemKeys',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 201: Created },
      },
    },
    async (req, reply) => {
      const p = requireSystemAdmin(req);
      const now = clock.now();
      const { key, apiKey } = await createApiKey(db, {
        tenantId: null,
        role: 'system_admin',
        ouId: null,
        name: req.body.name,
        now,
      });
      await audit(db, {
        tenantId: null,
        at: now,
        actor: p.actor,
        action: 'key.create',
        subject: apiKey.id,
      });
      return reply.code(201).send({ key, apiKey: view(apiKey) });
    },
  );

  app.post(
    '/tenants/:tenantId/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an API key for the tenant (tenant_admin, ou_operator with ouId, viewer)',
        params: Type.Object({ tenantId: Type.String() }),
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100 }),
          role: TenantRole,
          ouId: Type.Optional(Type.Union([Type.Null(), Type.String()])),
        }),
        response: { 201: Created },
      },
    },
    async (req, reply) => {
      const { tenantId } = req.params;
      const p = requireTenant(req, tenantId, 'admin');
      if (!(await getTenant(db, tenantId))) throw notFound('tenant', tenantId);
      const ouId = req.body.ouId ?? null;
      if (req.body.role === 'ou_operator' && !ouId) {
        throw new AppError('validation', 'an OU operator key needs its OU', {
          errors: [{ path: '/ouId', message: 'is required for role ou_operator' }],
        });
      }
      if (ouId && req.body.role !== 'ou_operator') {
        throw new AppError('validation', 'only OU operator keys are bound to an OU', {
          errors: [{ path: '/ouId', message: 'only for role ou_operator' }],
        });
      }
      if (ouId && !(await getResource(db, tenantId, 'ous', ouId))) {
        throw new AppError('validation', 'unknown OU', {
          errors: [{ path: '/ouId', message: `OU '${ouId}' does not exist` }],
        });
      }
      const now = clock.now();
      const { key, apiKey } = await createApiKey(db, {
        tenantId,
        role: req.body.role,
        ouId,
        name: req.body.name,
        now,
      });
      await audit(db, {
        tenantId,
        at: now,
        actor: p.actor,
        action: 'key.create',
        subject: apiKey.id,
        detail: { role: apiKey.role },
      });
      return reply.code(201).send({ key, apiKey: view(apiKey) });
    },
  );

  app.get(
    '/tenants/:tenantId/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'List the active keys of a tenant',
        params: Type.Object({ tenantId: Type.String() }),
        response: { 200: Type.Object({ items: Type.Array(KeyView) }) },
      },
    },
    async (req) => {
      requireTenant(req, req.params.tenantId, 'admin');
      return {
        items: (await listApiKeys(db, req.params.tenantId)).filter((k) => !k.revokedAt).map(view),
      };
    },
  );

  app.delete(
    '/tenants/:tenantId/keys/:keyId',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke a key',
        params: Type.Object({ tenantId: Type.String(), keyId: Type.String() }),
        response: { 204: NoContent },
      },
    },
    async (req, reply) => {
      const p = requireTenant(req, req.params.tenantId, 'admin');
      const now = clock.now();
      if (!(await revokeApiKey(db, req.params.tenantId, req.params.keyId, now)))
        throw notFound('key', req.params.keyId);
      await audit(db, {
        tenantId: req.params.tenantId,
        at: now,
        actor: p.actor,
        action: 'key.revoke',
        subject: req.params.keyId,
      });
      return reply.code(204).send();
    },
  );
};
