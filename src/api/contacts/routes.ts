import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ContactInput } from '../../domain/contact.ts';
import type { Attribute } from '../../domain/resources.ts';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.ts';
import { audit } from '../../store/audit.ts';
import { deleteContact, getContact, listContacts } from '../../store/contacts.ts';
import { listResources } from '../../store/resources.ts';
import { getTask, type Task } from '../../store/tasks.ts';
import { getTenant } from '../../store/tenants.ts';
import type { AppDeps } from '../app.ts';
import { NoContent } from '../openapi.ts';
import { maySeePersonalData, requireOu, requireTenant, type Principal } from '../auth.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { assertVisible } from '../tasks/service.ts';
import {
  CSV_CHARSETS,
  CSV_TYPES,
  MAX_FILE_BYTES,
  XLSX_TYPE,
  csvCharset,
  importFile,
} from './import.ts';
import { ContactSink, loadImportTarget, type ImportReport } from './sink.ts';
import { ContactView, ImportReportView, contactView } from './view.ts';

export const MAX_JSON_CONTACTS = 10_000;

const TaskParams = Type.Object({ tenantId: Type.String(), taskId: Type.String() });
const ContactParams = Type.Object({
  tenantId: Type.String(),
  taskId: Type.String(),
  sessionId: Type.String(),
});
const tags = ['contacts'];

/**
 * Contacts of a task (product.md §8): JSON batches and streamed CSV/XLSX files, both reported row by
 * row; listing with keyset pages; one customer by sessionId. Personal data (numbers, encrypted
 * attributes) is shown only to roles that may see it, and every such read is audited.
 */
export const contactRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, clock, cipher },
) => {
  // Files are passed through as streams and read row by row, never buffered whole.
  app.addContentTypeParser([...CSV_TYPES, XLSX_TYPE], (_req, payload, done) => done(null, payload));

  /** The task to write contacts into: visible, in the caller's OU, not expired. */
  async function writableTask(req: FastifyRequest, tenantId: string, taskId: string) {
    const p = requireTenant(req, tenantId, 'operate');
    const task = await getTask(db, tenantId, taskId);
    if (!task) throw notFound('task', taskId);
    requireOu(p, task.ouId);
    return { p, task };
  }

  async function target(task: Task) {
    if (task.state === 'expired')
      throw conflict('contacts cannot be added to an expired task', { state: task.state });
    const tenant = await getTenant(db, task.tenantId);
    if (!tenant) throw notFound('tenant', task.tenantId);
    return loadImportTarget(db, cipher, tenant.settings, task, clock.now());
  }

  async function audited(p: Principal, task: Task, source: string, r: ImportReport) {
    const { received, inserted, updated, rejected } = r;
    await audit(db, {
      tenantId: task.tenantId,
      at: clock.now(),
      actor: p.actor,
      action: 'contacts.import',
      subject: task.id,
      detail: { source, received, inserted, updated, rejected, warnings: r.warnings.length },
    });
    return r;
  }

  app.post(
    '/tenants/:tenantId/tasks/:taskId/contacts',
    {
      // Rows are checked one by one by the domain, so that good rows land and bad ones are reported;
      // the schema documents the body.
      attachValidation: true,
      bodyLimit: 64 * 1024 * 1024,
      config: { perRowText: true },
      schema: {
        tags,
        summary: `Add or update up to ${MAX_JSON_CONTACTS} contacts (keyed by sessionId)`,
        params: TaskParams,
        body: Type.Object({
          contacts: Type.Array(ContactInput, { maxItems: MAX_JSON_CONTACTS }),
        }),
        response: { 200: ImportReportView },
      },
    },
    async (req) => {
      const { p, task } = await writableTask(req, req.params.tenantId, req.params.taskId);
      const body = req.body as unknown;
      const items = (body as { contacts?: unknown } | null)?.contacts;
      if (typeof (body as Readable | null)?.pipe === 'function') {
        (body as Readable).resume();
        throw new AppError('bad_request', 'send files to …/contacts/import');
      }
      if (!Array.isArray(items))
        throw invalid([{ path: '/contacts', message: 'must be an array of contacts' }]);
      if (items.length > MAX_JSON_CONTACTS)
        throw invalid([
          { path: '/contacts', message: `must have at most ${MAX_JSON_CONTACTS} contacts` },
        ]);
      const sink = new ContactSink(await target(task));
      for (let i = 0; i < items.length; i++) {
        sink.add(i + 1, items[i]);
        if (sink.full) await sink.handOff();
      }
      return audited(p, task, 'json', await sink.finish());
    },
  );

  app.post(
    '/tenants/:tenantId/tasks/:taskId/contacts/import',
    {
      bodyLimit: MAX_FILE_BYTES,
      schema: {
        tags,
        summary: 'Import a CSV or XLSX file of contacts (streamed; any size)',
        description:
          'Body: the file itself, Content-Type text/csv or ' +
          `${XLSX_TYPE}. Columns: sessionId, priority, customField, callData (JSON), ` +
          'numberN, typeN, sequenceN, delaySecN (N = 1, 2, …), and one column per attribute code.',
        consumes: [...CSV_TYPES, XLSX_TYPE],
        params: TaskParams,
        querystring: Type.Object({
          charset: Type.Optional(
            Type.String({
              maxLength: 32,
              description:
                `CSV character set (default utf-8, or the Content-Type's charset): ` +
                `${CSV_CHARSETS.join(', ')}; a byte-order mark wins`,
            }),
          ),
        }),
        // Documents the body; any stream passes (the file is checked row by row).
        body: Type.Unknown({ description: 'the file', format: 'binary' }),
        response: { 200: ImportReportView },
      },
    },
    async (req) => {
      const { p, task } = await writableTask(req, req.params.tenantId, req.params.taskId);
      const body = req.body as Readable | undefined;
      const type = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      if (typeof body?.pipe !== 'function')
        throw new AppError(
          'bad_request',
          `send the file as the body with Content-Type text/csv or ${XLSX_TYPE}`,
        );
      const kind = type === XLSX_TYPE ? 'xlsx' : 'csv';
      const declared =
        req.query.charset ??
        /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(String(req.headers['content-type']))?.[1];
      const charset = declared === undefined ? 'utf-8' : csvCharset(declared);
      let t;
      try {
        if (!charset)
          throw invalid([
            {
              path:
                req.query.charset !== undefined ? '/querystring/charset' : '/headers/content-type',
              message: `'${declared}' is not a supported character set: ${CSV_CHARSETS.join(', ')}`,
            },
          ]);
        t = await target(task);
      } catch (e) {
        body.resume();
        throw e;
      }
      return audited(p, task, kind, await importFile(kind, body, t, { charset }));
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/contacts',
    {
      schema: {
        tags,
        summary: 'List contacts in import order',
        params: TaskParams,
        querystring: Type.Object({
          state: Type.Optional(Type.String({ pattern: '^[a-z_]{1,32}$' })),
          sessionId: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 32,
              description: 'sessionIds starting with this',
            }),
          ),
          number: Type.Optional(
            Type.String({ pattern: '^[0-9*#+]{1,24}$', description: 'a number containing this' }),
          ),
          cursor: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(ContactView),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (req) => {
      const { tenantId, taskId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const limit = req.query.limit ?? 100;
      let afterId: number | undefined;
      if (req.query.cursor) {
        afterId = Number(decodeCursor(req.query.cursor).i);
        if (!Number.isSafeInteger(afterId)) throw new AppError('bad_request', 'invalid cursor');
      }
      const rows = await listContacts(db, tenantId, taskId, {
        state: req.query.state,
        sessionIdPrefix: req.query.sessionId,
        numberContains: req.query.number,
        afterId,
        limit,
      });
      const view = await viewer(p, tenantId);
      const items = rows.map(view);
      if (maySeePersonalData(p) && rows.length)
        await audit(db, {
          tenantId,
          at: clock.now(),
          actor: p.actor,
          action: 'contacts.read',
          subject: taskId,
          // The page, not its every sessionId: (filter, first, last) name the customers read, in a
          // row of constant size whatever the page size.
          detail: {
            customers: rows.length,
            first: rows[0]!.sessionId,
            last: rows.at(-1)!.sessionId,
            ...(req.query.state ? { state: req.query.state } : {}),
            ...(req.query.sessionId ? { sessionId: req.query.sessionId } : {}),
            ...(req.query.number ? { number: req.query.number } : {}),
          },
        });
      const last = rows.at(-1);
      return { items, next: rows.length === limit && last ? encodeCursor({ i: last.id }) : null };
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/contacts/:sessionId',
    {
      schema: {
        tags,
        summary: "A customer's numbers and attributes",
        params: ContactParams,
        response: { 200: ContactView },
      },
    },
    async (req) => {
      const { tenantId, taskId, sessionId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const row = await getContact(db, tenantId, taskId, sessionId);
      if (!row) throw notFound('contact', sessionId);
      if (maySeePersonalData(p))
        await audit(db, {
          tenantId,
          at: clock.now(),
          actor: p.actor,
          action: 'contacts.read',
          subject: taskId,
          detail: { sessionIds: [sessionId] },
        });
      return (await viewer(p, tenantId))(row);
    },
  );

  app.delete(
    '/tenants/:tenantId/tasks/:taskId/contacts/:sessionId',
    {
      schema: {
        tags,
        summary: 'Delete a contact of a task that is not running',
        params: ContactParams,
        response: { 204: NoContent },
      },
    },
    async (req, reply) => {
      const { tenantId, taskId, sessionId } = req.params;
      const { p, task } = await writableTask(req, tenantId, taskId);
      if (task.state === 'running')
        throw conflict('contacts of a running task cannot be deleted; suspend it first', {
          state: task.state,
        });
      if (!(await deleteContact(db, tenantId, taskId, sessionId)))
        throw notFound('contact', sessionId);
      await audit(db, {
        tenantId,
        at: clock.now(),
        actor: p.actor,
        action: 'contacts.delete',
        subject: taskId,
        detail: { sessionId },
      });
      return reply.code(204).send();
    },
  );

  async function viewer(p: Principal, tenantId: string) {
    const reveal = maySeePersonalData(p);
    const attributes = new Map<string, Attribute>();
    if (reveal)
      for (const r of await listResources(db, tenantId, 'attributes'))
        attributes.set(r.id, r.doc as unknown as Attribute);
    return (row: Parameters<typeof contactView>[0]) =>
      contactView(row, { reveal, cipher, attributes });
  }
};
