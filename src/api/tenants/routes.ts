import { randomBytes } from 'node:crypto';
import { webhookSecret } from '../../notify/signing.ts';
import { savedTargetError, smppUrl, systemResolver } from '../../notify/callback-target.ts';
import { openProviderSecrets, sealProviderSecrets } from '../../notify/provider-secrets.ts';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  defaultTenantSettings,
  SYSTEM_ONLY_SETTINGS,
  TenantSettings,
} from '../../domain/tenant.ts';
import { schemaErrors } from '../../domain/schema-errors.ts';
import { parseZone } from '../../domain/calling-windows.ts';
import { emptyWorld, type World } from '../../domain/resources.ts';
import { complianceSettingsErrors } from '../../domain/validate-tenant-compliance.ts';
import { loadWorld } from '../../store/resources.ts';
import { releaseHolds } from '../../store/compliance.ts';
import { AppError, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import {
  getCallbackSecret,
  getTenant,
  insertTenant,
  listTenants,
  updateTenant,
  type Tenant,
} from '../../store/tenants.ts';
import { audit } from '../../store/audit.ts';
import { requireSystemAdmin, requireTenant, principalOf } from '../auth.ts';
import type { AppDeps } from '../app.ts';

const TenantId = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'lowercase letters, digits, dashes',
});
const SettingsPatch = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Any subset of the tenant settings; numberRules may also be partial',
});
const TenantView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  settings: TenantSettings,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const Params = Type.Object({ tenantId: Type.String() });

const REDACTED = '***';

/** SMS credentials are write-only: shown as *** and kept when *** is sent back. */
function redact(settings: TenantSettings): TenantSettings {
  const sms = settings.smsProviders ?? { cloud: null, gateway: null };
  return {
    ...settings,
    smsProviders: {
      cloud: sms.cloud ? { ...sms.cloud, apiKey: REDACTED } : null,
      gateway: sms.gateway ? { ...sms.gateway, password: REDACTED } : null,
    },
  };
}

const view = (t: Tenant) => ({
  ...t,
  settings: redact(t.settings),
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});
const SecretView = Type.Object({
  secret: Type.String({ description: 'signs x-outbound-signature' }),
  webhookSecret: Type.String({
    description: 'the same secret as Standard Webhooks libraries take it (whsec_…)',
  }),
});
const newSecret = () => randomBytes(32).toString('base64url');

/** Merges a settings patch over current settings and validates the result as a whole. */
export function mergeSettings(
  current: TenantSettings,
  patch: Record<string, unknown>,
  /** The tenant's resources, for references of localWindows and numberCaps. */
  world?: World,
): TenantSettings {
  const merged: Record<string, unknown> = { ...defaultTenantSettings(), ...current, ...patch };
  if (patch.smsProviders && typeof patch.smsProviders === 'object') {
    const cur = current.smsProviders ?? { cloud: null, gateway: null };
    const next = { ...cur, ...(patch.smsProviders as object) } as Record<
      string,
      Record<string, unknown> | null
    >;
    if (next.cloud?.apiKey === REDACTED) next.cloud = { ...next.cloud, apiKey: cur.cloud?.apiKey };
    if (next.gateway?.password === REDACTED)
      next.gateway = { ...next.gateway, password: cur.gateway?.password };
    merged.smsProviders = next;
  }
  if (patch.numberRules && typeof patch.numberRules === 'object') {
    merged.numberRules = { ...current.numberRules, ...(patch.numberRules as object) };
  }
  Value.Default(TenantSettings, merged);
  const errors: FieldError[] = schemaErrors(TenantSettings, merged, '/settings');
  if (typeof merged.timeZone === 'string' && !parseZone(merged.timeZone)) {
    errors.push({
      path: '/settings/timeZone',
      message: `'${merged.timeZone}' is not a time zone (IANA name or offset like +08:00)`,
    });
  }
  const rules = merged.numberRules as TenantSettings['numberRules'] | undefined;
  if (rules && rules.minLength > rules.maxLength) {
    errors.push({ path: '/settings/numberRules/minLength', message: 'must not exceed maxLength' });
  }
  errors.push(
    ...complianceSettingsErrors(
      merged,
      world ?? emptyWorld(merged as TenantSettings),
      errors.map((e) => e.path),
    ),
  );
  if (errors.length) throw invalid(errors);
  return merged as TenantSettings;
}

export const tenantRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, clock, cipher } = deps;
  const resolve = deps.resolve ?? systemResolver;

  /**
   * The SMS providers obey the outbound-address policy of callbacks and robots: under the
   * tenant's trustlist (an SMPP gateway as `smpp://host:port/`), not private unless the trustlist
   * names it — checked when they (or the trustlist) are saved, and again before every send
   * (src/notify/sms.ts).
   */
  async function checkSmsEndpoint(settings: TenantSettings, changed: boolean): Promise<void> {
    if (!changed) return;
    const errors: FieldError[] = [];
    const { cloud, gateway } = settings.smsProviders ?? {};
    if (cloud?.endpoint) {
      const reason = await savedTargetError(cloud.endpoint, settings.callbackTrustlist, resolve);
      if (reason) errors.push({ path: '/settings/smsProviders/cloud/endpoint', message: reason });
    }
    if (gateway?.host) {
      const url = smppUrl(gateway.host, gateway.port);
      const reason = await savedTargetError(url, settings.callbackTrustlist, resolve, ['smpp:']);
      if (reason)
        errors.push({ path: '/settings/smsProviders/gateway/host', message: `${url}: ${reason}` });
    }
    if (errors.length) throw invalid(errors);
  }

  app.post(
    '/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant (system administrator)',
        body: Type.Object({
          id: TenantId,
          name: Type.String({ minLength: 1, maxLength: 200 }),
          settings: Type.Optional(SettingsPatch),
        }),
        response: { 201: TenantView },
      },
    },
    async (req, reply) => {
      const p = requireSystemAdmin(req);
      const merged = mergeSettings(defaultTenantSettings(), req.body.settings ?? {});
      await checkSmsEndpoint(merged, true);
      const settings = sealProviderSecrets(merged, cipher);
      const now = clock.now();
      const t = await insertTenant(db, {
        id: req.body.id,
        name: req.body.name,
        settings,
        callbackSecret: newSecret(),
        now,
      });
      if (!t) throw new AppError('conflict', `tenant '${req.body.id}' already exists`);
      await audit(db, {
        tenantId: t.id,
        at: now,
        actor: p.actor,
        action: 'tenant.create',
        subject: t.id,
      });
      return reply.code(201).send(view(t));
    },
  );

  app.get(
    '/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'List the tenants the key may see',
        response: { 200: Type.Object({ items: Type.Array(TenantView) }) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (p.role === 'system_admin') return { items: (await listTenants(db)).map(view) };
      const own = p.tenantId ? await getTenant(db, p.tenantId) : undefined;
      return { items: own ? [view(own)] : [] };
    },
  );

  app.get(
    '/tenants/:tenantId',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Get a tenant',
        params: Params,
        response: { 200: TenantView },
      },
    },
    async (req) => {
      requireTenant(req, req.params.tenantId, 'read');
      const t = await getTenant(db, req.params.tenantId);
      if (!t) throw notFound('tenant', req.params.tenantId);
      return view(t);
    },
  );

  app.patch(
    '/tenants/:tenantId',
    {
      schema: {
        tags: ['tenants'],
        summary:
          'Change a tenant’s name or settings (system-only settings need a system administrator)',
        params: Params,
        body: Type.Object({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          settings: Type.Optional(SettingsPatch),
        }),
        response: { 200: TenantView },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'admin');
      const t = await getTenant(db, req.params.tenantId);
      if (!t) throw notFound('tenant', req.params.tenantId);
      const patch = req.body.settings ?? {};
      if (p.role !== 'system_admin') {
        const denied = SYSTEM_ONLY_SETTINGS.filter(
          (k) => k in patch && !Value.Equal(patch[k], t.settings[k]),
        );
        if (denied.length) {
          throw new AppError('forbidden', 'these settings are set by the system administrator', {
            errors: denied.map((k) => ({
              path: `/settings/${k}`,
              message: 'system administrator only',
            })),
          });
        }
      }
      // Validated in clear, stored with the provider credentials encrypted.
      const merged = mergeSettings(
        openProviderSecrets(t.settings, cipher),
        patch,
        await loadWorld(db, t.id, t.settings),
      );
      await checkSmsEndpoint(merged, 'smsProviders' in patch || 'callbackTrustlist' in patch);
      const settings = sealProviderSecrets(merged, cipher);
      const now = clock.now();
      const updated = await updateTenant(db, t.id, {
        ...(req.body.name ? { name: req.body.name } : {}),
        settings,
        now,
      });
      if ('localWindows' in patch || 'numberCaps' in patch)
        await releaseHolds(db, { tenantId: t.id }, now);
      await audit(db, {
        tenantId: t.id,
        at: now,
        actor: p.actor,
        action: 'tenant.update',
        subject: t.id,
        detail: { settings: Object.keys(patch) },
      });
      return view(updated!);
    },
  );

  app.get(
    '/tenants/:tenantId/callback-secret',
    {
      schema: {
        tags: ['tenants'],
        summary: 'The secret that signs this tenant’s callbacks',
        params: Params,
        response: { 200: SecretView },
      },
    },
    async (req) => {
      requireTenant(req, req.params.tenantId, 'admin');
      const secret = await getCallbackSecret(db, req.params.tenantId);
      if (!secret) throw notFound('tenant', req.params.tenantId);
      return { secret, webhookSecret: webhookSecret(secret) };
    },
  );

  app.post(
    '/tenants/:tenantId/callback-secret',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Rotate the callback signing secret',
        params: Params,
        response: { 200: SecretView },
      },
    },
    async (req) => {
      const p = requireTenant(req, req.params.tenantId, 'admin');
      const secret = newSecret();
      const now = clock.now();
      if (!(await updateTenant(db, req.params.tenantId, { callbackSecret: secret, now })))
        throw notFound('tenant', req.params.tenantId);
      await audit(db, {
        tenantId: req.params.tenantId,
        at: now,
        actor: p.actor,
        action: 'tenant.rotate_secret',
        subject: req.params.tenantId,
      });
      return { secret, webhookSecret: webhookSecret(secret) };
    },
  );
};
