import { maskNumber } from '../../domain/contact.ts';
import { Type, type TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  BlocklistEntry,
  RESOURCE_KINDS,
  RESOURCE_KIND_NAMES,
  type ResourceKind,
} from '../../domain/resources.ts';
import { schemaErrors } from '../../domain/schema-errors.ts';
import { taskReferences } from '../../domain/task-refs.ts';
import { AppError, conflict, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import {
  deleteResource,
  getResource,
  insertResource,
  listResources,
  loadWorld,
  replaceResource,
  type ResourceRow,
} from '../../store/resources.ts';
import {
  deleteBlocklist,
  deleteBlocklistEntry,
  listBlocklistEntries,
  replaceBlocklistEntries,
  upsertBlocklistEntries,
} from '../../store/blocklists.ts';
import { listTaskConfigs } from '../../store/tasks.ts';
import { getTenant } from '../../store/tenants.ts';
import { audit } from '../../store/audit.ts';
import { maySeePersonalData, ouVisible, requireTenant, type Principal } from '../auth.ts';
import { publishErrors, resourceErrors } from './rules.ts';
import { systemResolver } from '../../notify/callback-target.ts';
import { blocklistNumber } from '../../domain/blocklist.ts';
import { isEmptyFlow, type FlowDocument } from '../../ivr/flow.ts';
import { unknownWordErrors, type Dialogue } from '../../ivr/dialogue.ts';
import type { AppDeps } from '../app.ts';
import { NoContent } from '../openapi.ts';

/** URL segment of each kind: callerNumbers → caller-numbers. */
export const segmentOf = (kind: ResourceKind) =>
  kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const Next = Type.Union([Type.String(), Type.Null()], { description: 'pass as `after`' });
const Page = Type.Object({
  after: Type.Optional(Type.String({ description: 'id of the last item of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

/**
 * CRUD for every resource kind a task refers to (product.md Appendix C), one generic plugin:
 * the kinds differ only in their schema, their id field and a few cross-resource rules.
 */
export const resourceRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, clock, preparePrompts, unknownSpeechWords, resolve = systemResolver },
) => {
  /**
   * Publication checks the addresses the flow or robot would call, then converts the flow's
   * prompts (sip): an address refused or a prompt that cannot be played refuses it.
   */
  async function preparedForPublish(
    kind: ResourceKind,
    label: string,
    doc: Record<string, unknown>,
    trustlist: readonly string[],
  ): Promise<void> {
    const refused = await publishErrors(kind, doc, trustlist, resolve);
    if (refused.length) throw invalid(refused, `The ${label} cannot be published`);
    const flow = (doc.document ?? {}) as Record<string, unknown>;
    if (!preparePrompts || doc.status !== 'published' || isEmptyFlow(flow)) return;
    // A speech robot's document is a dialogue: its prompts are prepared the same way.
    const errors = await preparePrompts(flow as unknown as FlowDocument);
    if (errors.length)
      throw invalid(
        errors.map((e) => ({ path: `/document${e.path}`, message: e.message })),
        `Prompts of the ${label} cannot be played`,
      );
  }

  for (const kind of RESOURCE_KIND_NAMES) {
    const { schema, idField, label } = RESOURCE_KINDS[kind] as {
      schema: TObject;
      idField: string;
      label: string;
    };
    const base = `/tenants/:tenantId/${segmentOf(kind)}`;
    const Params = Type.Object({ tenantId: Type.String() });
    const ItemParams = Type.Object({ tenantId: Type.String(), id: Type.String() });
    const tags = [`resources: ${segmentOf(kind)}`];
    // Responses are the kind's own (closed) schema, so the document and the serialiser agree.
    const One = schema;
    const List = Type.Object({ items: Type.Array(schema), next: Next });

    const idOf = (doc: Record<string, unknown>) => String(doc[idField]);

    /** Validates the document as a whole (schema and rules), all errors at once. */
    async function checked(tenantId: string, body: unknown): Promise<Record<string, unknown>> {
      const tenant = await getTenant(db, tenantId);
      if (!tenant) throw notFound('tenant', tenantId);
      const doc = Value.Default(schema, structuredClone(body)) as Record<string, unknown>;
      const errors = schemaErrors(schema, doc);
      if (errors.length === 0)
        errors.push(...resourceErrors(kind, doc, await loadWorld(db, tenantId, tenant.settings)));
      if (errors.length === 0 && kind === 'robots' && doc.kind === 'speech' && unknownSpeechWords)
        for (const e of unknownWordErrors(doc.document as unknown as Dialogue, unknownSpeechWords))
          errors.push({ path: `/document${e.path}`, message: e.message });
      if (errors.length) throw invalid(errors, `Invalid ${label}`);
      if (kind === 'flows' || kind === 'robots')
        await preparedForPublish(kind, label, doc, tenant.settings.callbackTrustlist);
      if (kind === 'callerNumbers' || kind === 'attributes' || kind === 'resultDefinitions')
        doc.id = idOf(doc);
      return doc;
    }

    async function mayWrite(req: FastifyRequest, tenantId: string): Promise<Principal> {
      if (kind !== 'callerNumbers') return requireTenant(req, tenantId, 'admin');
      // Caller numbers are provisioned by the system administrator, or by the tenant itself when
      // its `ownCallerNumbers` setting is on.
      const p = requireTenant(req, tenantId, 'admin');
      if (p.role === 'system_admin') return p;
      const t = await getTenant(db, tenantId);
      if (!t?.settings.ownCallerNumbers) {
        throw new AppError(
          'forbidden',
          'caller numbers are provisioned by the system administrator for this tenant',
        );
      }
      return p;
    }

    /** A resource as the API shows it: blocklisted numbers masked for roles without personal data. */
    async function present(
      tenantId: string,
      row: ResourceRow,
      p: Principal,
    ): Promise<Record<string, unknown>> {
      if (kind !== 'blocklists') return row.doc;
      const entries = await listBlocklistEntries(db, tenantId, row.id);
      const show = maySeePersonalData(p);
      return {
        ...row.doc,
        entries: show ? entries : entries.map((e) => ({ ...e, number: maskNumber(e.number) })),
      };
    }

    app.get(
      base,
      {
        schema: {
          tags,
          summary: `List ${label}s`,
          params: Params,
          querystring: Page,
          response: { 200: List },
        },
      },
      async (req) => {
        const p = requireTenant(req, req.params.tenantId, 'read');
        const limit = req.query.limit ?? 100;
        const rows = await listResources(db, req.params.tenantId, kind, {
          ...(req.query.after !== undefined ? { after: req.query.after } : {}),
          limit,
          ...(p.role === 'ou_operator' ? { ouIds: [p.ouId, null] } : {}),
        });
        const items = await Promise.all(rows.map((r) => present(req.params.tenantId, r, p)));
        return { items, next: rows.length === limit ? rows.at(-1)!.id : null };
      },
    );

    app.get(
      `${base}/:id`,
      { schema: { tags, summary: `Get a ${label}`, params: ItemParams, response: { 200: One } } },
      async (req) => {
        const p = requireTenant(req, req.params.tenantId, 'read');
        const row = await getResource(db, req.params.tenantId, kind, req.params.id);
        if (!row || (p.role === 'ou_operator' && !ouVisible(p, row.ouId) && row.ouId !== null))
          throw notFound(label, req.params.id);
        return present(req.params.tenantId, row, p);
      },
    );

    app.post(
      base,
      {
        schema: {
          tags,
          summary: `Create a ${label}`,
          params: Params,
          body: schema,
          response: { 201: One },
        },
      },
      async (req, reply) => {
        const { tenantId } = req.params;
        const p = await mayWrite(req, tenantId);
        const doc = await checked(tenantId, req.body);
        const id = idOf(doc);
        const { entries, ...stored } = doc;
        const now = clock.now();
        const created = await db.transaction().execute(async (trx) => {
          const ok = await insertResource(trx, tenantId, kind, {
            id,
            ouId: (doc.ouId as string | null) ?? null,
            doc: kind === 'blocklists' ? stored : doc,
            now,
          });
          if (ok && kind === 'blocklists')
            await replaceBlocklistEntries(trx, tenantId, id, entries as BlocklistEntry[]);
          return ok;
        });
        if (!created) throw conflict(`${label} '${id}' already exists`);
        await audit(db, {
          tenantId,
          at: now,
          actor: p.actor,
          action: `${kind}.create`,
          subject: id,
        });
        return reply.code(201).send(doc);
      },
    );

    app.put(
      `${base}/:id`,
      {
        schema: {
          tags,
          summary: `Replace a ${label}`,
          params: ItemParams,
          body: schema,
          response: { 200: One },
        },
      },
      async (req) => {
        const { tenantId, id } = req.params;
        const p = await mayWrite(req, tenantId);
        const doc = await checked(tenantId, req.body);
        if (idOf(doc) !== id)
          throw invalid([
            { path: `/${idField}`, message: `must equal the ${label} in the URL ('${id}')` },
          ]);
        const { entries, ...stored } = doc;
        const now = clock.now();
        const ok = await db.transaction().execute(async (trx) => {
          const done = await replaceResource(trx, tenantId, kind, {
            id,
            ouId: (doc.ouId as string | null) ?? null,
            doc: kind === 'blocklists' ? stored : doc,
            now,
          });
          if (done && kind === 'blocklists')
            await replaceBlocklistEntries(trx, tenantId, id, entries as BlocklistEntry[]);
          return done;
        });
        if (!ok) throw notFound(label, id);
        await audit(db, {
          tenantId,
          at: now,
          actor: p.actor,
          action: `${kind}.update`,
          subject: id,
        });
        return doc;
      },
    );

    app.delete(
      `${base}/:id`,
      {
        schema: {
          tags,
          summary: `Delete a ${label} that no task uses`,
          params: ItemParams,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        const { tenantId, id } = req.params;
        const p = await mayWrite(req, tenantId);
        const users = (await listTaskConfigs(db, tenantId)).filter((t) =>
          taskReferences(t.config).some((r) => r.kind === kind && r.id === id),
        );
        if (users.length)
          throw conflict(
            `${label} '${id}' is used by task(s) ${users.map((u) => `'${u.name}'`).join(', ')}`,
            { tasks: users.map((u) => u.id) },
          );
        const now = clock.now();
        const ok = await db.transaction().execute(async (trx) => {
          if (kind === 'blocklists') await deleteBlocklist(trx, tenantId, id);
          return deleteResource(trx, tenantId, kind, id);
        });
        if (!ok) throw notFound(label, id);
        await audit(db, {
          tenantId,
          at: now,
          actor: p.actor,
          action: `${kind}.delete`,
          subject: id,
        });
        return reply.code(204).send();
      },
    );

    if (kind === 'flows' || kind === 'robots') {
      for (const status of ['published', 'draft'] as const) {
        const verb = status === 'published' ? 'publish' : 'unpublish';
        app.post(
          `${base}/:id/${verb}`,
          {
            schema: {
              tags,
              summary: `${verb} a ${label}`,
              params: ItemParams,
              response: { 200: One },
            },
          },
          async (req) => {
            const { tenantId, id } = req.params;
            const p = requireTenant(req, tenantId, 'admin');
            const row = await getResource(db, tenantId, kind, id);
            if (!row) throw notFound(label, id);
            const doc = { ...row.doc, status };
            const trustlist = (await getTenant(db, tenantId))?.settings.callbackTrustlist ?? [];
            await preparedForPublish(kind, label, doc, trustlist);
            const now = clock.now();
            await replaceResource(db, tenantId, kind, { id, ouId: row.ouId, doc, now });
            await audit(db, {
              tenantId,
              at: now,
              actor: p.actor,
              action: `${kind}.${verb}`,
              subject: id,
            });
            return doc;
          },
        );
      }
    }

    if (kind === 'blocklists') {
      app.post(
        `${base}/:id/entries`,
        {
          schema: {
            tags,
            summary: 'Add or update blocklist entries',
            params: ItemParams,
            body: Type.Object({
              entries: Type.Array(BlocklistEntry, { minItems: 1, maxItems: 100000 }),
            }),
            response: { 200: Type.Object({ entries: Type.Array(BlocklistEntry) }) },
          },
        },
        async (req) => {
          const { tenantId, id } = req.params;
          const p = requireTenant(req, tenantId, 'admin');
          if (!(await getResource(db, tenantId, kind, id))) throw notFound(label, id);
          const country = (await getTenant(db, tenantId))?.settings.numberRules?.defaultCountry;
          const errors: FieldError[] = [];
          const entries = req.body.entries.map((e, i) => {
            const entry = Value.Default(BlocklistEntry, structuredClone(e)) as BlocklistEntry;
            const n = blocklistNumber(entry.number, country);
            if (n.ok) entry.number = n.number;
            else errors.push({ path: `/entries/${i}/number`, message: n.message });
            return entry;
          });
          if (errors.length) throw invalid(errors, 'Invalid blocklist entries');
          await upsertBlocklistEntries(db, tenantId, id, entries);
          await audit(db, {
            tenantId,
            at: clock.now(),
            actor: p.actor,
            action: 'blocklists.entries',
            subject: id,
            detail: { added: entries.length },
          });
          return { entries: await listBlocklistEntries(db, tenantId, id) };
        },
      );
      app.delete(
        `${base}/:id/entries/:number`,
        {
          schema: {
            tags,
            summary: 'Remove a number from a blocklist',
            params: Type.Object({
              tenantId: Type.String(),
              id: Type.String(),
              number: Type.String(),
            }),
            response: { 204: NoContent },
          },
        },
        async (req, reply) => {
          const { tenantId, id } = req.params;
          requireTenant(req, tenantId, 'admin');
          // The number as it was stored: a national form finds its E.164 entry.
          const country = (await getTenant(db, tenantId))?.settings.numberRules?.defaultCountry;
          const n = blocklistNumber(req.params.number, country);
          const number = n.ok ? n.number : req.params.number;
          if (!(await deleteBlocklistEntry(db, tenantId, id, number)))
            throw notFound('blocklist entry', number);
          return reply.code(204).send();
        },
      );
    }
  }
};
