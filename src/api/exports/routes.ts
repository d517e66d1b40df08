import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DateTime } from 'luxon';
import { maskNumber } from '../../domain/contact.ts';
import { RESULT_NAMES } from '../../domain/result-codes.ts';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.ts';
import { audit } from '../../store/audit.ts';
import {
  countOpenExports,
  getExport,
  insertExport,
  listExports,
  type ExportRow,
} from '../../store/exports.ts';
import { getTask } from '../../store/tasks.ts';
import { maySeePersonalData, requireTenant, type Principal } from '../auth.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { assertVisible } from '../tasks/service.ts';
import type { AppDeps } from '../app.ts';

const TaskParams = Type.Object({ tenantId: Type.String(), taskId: Type.String() });
const ExportParams = Type.Object({
  tenantId: Type.String(),
  taskId: Type.String(),
  exportId: Type.String(),
});
const tags = ['exports'];
const STATES = ['queued', 'running', 'done', 'failed', 'expired'] as const;

/** Exports of one tenant that may wait or run at once: each one reads the whole task. */
const MAX_OPEN_PER_TENANT = 10;

export const ExportFilter = Type.Object(
  {
    state: Type.Optional(
      Type.Array(
        Type.Union(
          ['ready', 'waiting', 'dialing', 'filtered', 'finished'].map((s) => Type.Literal(s)),
        ),
        { minItems: 1 },
      ),
    ),
    finalResult: Type.Optional(
      Type.Array(Type.Union(RESULT_NAMES.map((s) => Type.Literal(s))), { minItems: 1 }),
    ),
    businessResult: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    businessSubResult: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    number: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 24,
        description: 'customers with a number containing this',
      }),
    ),
    finishedFrom: Type.Optional(
      Type.String({ description: 'ISO 8601 with offset; finished at or after' }),
    ),
    finishedTo: Type.Optional(
      Type.String({ description: 'ISO 8601 with offset; finished before' }),
    ),
  },
  { additionalProperties: false, description: 'every field narrows; empty: all customers' },
);

const ExportView = Type.Object({
  id: Type.String(),
  taskId: Type.String(),
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
  filter: ExportFilter,
  state: Type.Union(STATES.map((s) => Type.Literal(s))),
  masked: Type.Boolean({
    description: 'numbers masked and encrypted attributes hidden (decided by the requester’s role)',
  }),
  requestedBy: Type.String(),
  rows: Type.Union([Type.Integer(), Type.Null()]),
  bytes: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when the file is removed (the export becomes `expired`); null until done',
  }),
  downloadUrl: Type.Union([Type.String(), Type.Null()]),
});

const base = (tenantId: string, taskId: string) =>
  `/api/v1/tenants/${tenantId}/tasks/${taskId}/exports`;

/** The filter as the caller may see it: a number someone filtered on is personal data too. */
function exportView(e: ExportRow, p: Principal): Static<typeof ExportView> {
  const filter = { ...e.filter } as Static<typeof ExportFilter>;
  if (filter.number && !maySeePersonalData(p)) filter.number = maskNumber(filter.number);
  return {
    id: e.id,
    taskId: e.taskId,
    format: e.format,
    filter,
    state: e.state,
    masked: e.masked,
    requestedBy: e.requestedBy,
    rows: e.rowCount,
    bytes: e.bytes,
    error: e.error,
    createdAt: e.createdAt.toISOString(),
    finishedAt: e.finishedAt?.toISOString() ?? null,
    expiresAt: e.expiresAt?.toISOString() ?? null,
    downloadUrl: e.state === 'done' ? `${base(e.tenantId, e.taskId)}/${e.id}/download` : null,
  };
}

/** `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266), e.g. for Chinese task names. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/**
 * Result exports (product.md §7): queued here, written by the export worker (engine/export-worker.ts),
 * listed and downloaded here. Any role may export; whether numbers are masked is decided by the
 * requester's role and recorded, and an unmasked file is downloadable only by roles that may see
 * personal data. Requests and downloads are audited.
 */
export const exportRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, clock }) => {
  app.post(
    '/tenants/:tenantId/tasks/:taskId/exports',
    {
      schema: {
        tags,
        summary: 'Export the task’s per-customer results as CSV or XLSX (a background job)',
        params: TaskParams,
        body: Type.Object(
          {
            format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
            filter: Type.Optional(ExportFilter),
          },
          { additionalProperties: false },
        ),
        response: { 202: ExportView },
      },
    },
    async (req, reply) => {
      const { tenantId, taskId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const filter = req.body.filter ?? {};
      const errors = [];
      for (const f of ['finishedFrom', 'finishedTo'] as const) {
        const v = filter[f];
        if (v !== undefined && !DateTime.fromISO(v, { setZone: true }).isValid)
          errors.push({ path: `/filter/${f}`, message: 'must be an ISO 8601 date-time' });
      }
      if (filter.businessSubResult && !filter.businessResult) {
        errors.push({ path: '/filter/businessSubResult', message: 'needs businessResult' });
      }
      if (errors.length) throw invalid(errors, 'Invalid export filter');
      if ((await countOpenExports(db, tenantId)) >= MAX_OPEN_PER_TENANT) {
        throw conflict(
          `at most ${MAX_OPEN_PER_TENANT} exports may wait or run at once; try again when one has finished`,
        );
      }
      const now = clock.now();
      const masked = !maySeePersonalData(p);
      const e = await insertExport(db, {
        tenantId,
        taskId,
        id: randomUUID(),
        format: req.body.format,
        filter,
        requestedBy: p.actor,
        masked,
        now,
      });
      await audit(db, {
        tenantId,
        at: now,
        actor: p.actor,
        action: 'exports.request',
        subject: taskId,
        detail: { exportId: e.id, format: e.format, masked, filter },
      });
      return reply.code(202).send(exportView(e, p));
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/exports',
    {
      schema: {
        tags,
        summary: 'The task’s exports, newest first (keyset pages)',
        params: TaskParams,
        querystring: Type.Object({
          state: Type.Optional(Type.Union(STATES.map((s) => Type.Literal(s)))),
          cursor: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(ExportView),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (req) => {
      const { tenantId, taskId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const limit = req.query.limit ?? 20;
      let before: { at: Date; id: string } | undefined;
      if (req.query.cursor) {
        const c = decodeCursor(req.query.cursor);
        const at = new Date(String(c.t));
        if (typeof c.i !== 'string' || Number.isNaN(at.getTime()))
          throw new AppError('bad_request', 'invalid cursor');
        before = { at, id: c.i };
      }
      const rows = await listExports(db, tenantId, taskId, {
        state: req.query.state,
        before,
        limit,
      });
      const last = rows.at(-1);
      return {
        items: rows.map((e) => exportView(e, p)),
        next:
          rows.length === limit && last
            ? encodeCursor({ t: last.createdAt.toISOString(), i: last.id })
            : null,
      };
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/exports/:exportId',
    {
      schema: {
        tags,
        summary: 'One export: its state, row count and download link',
        params: ExportParams,
        response: { 200: ExportView },
      },
    },
    async (req) => {
      const { tenantId, taskId, exportId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const e = await getExport(db, tenantId, taskId, exportId);
      if (!e) throw notFound('export', exportId);
      return exportView(e, p);
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/exports/:exportId/download',
    {
      schema: {
        tags,
        summary: 'Download a finished export (the file holds personal data unless masked)',
        params: ExportParams,
        // Documents the file; a stream is sent as is (no serialisation).
        response: {
          200: {
            description: 'The export file, CSV or XLSX as requested',
            content: {
              'text/csv': { schema: { type: 'string' } },
              [CONTENT_TYPES.xlsx]: { schema: { type: 'string', format: 'binary' } },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const { tenantId, taskId, exportId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      const task = assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const e = await getExport(db, tenantId, taskId, exportId);
      if (!e) throw notFound('export', exportId);
      if (e.state === 'expired')
        throw conflict(
          `export '${exportId}' expired on ${e.expiresAt?.toISOString()} and its file was removed; request a new export`,
          { state: e.state },
        );
      if (e.state !== 'done' || !e.filePath)
        throw conflict(`export '${exportId}' is ${e.state}, not done`, { state: e.state });
      if (!e.masked && !maySeePersonalData(p)) {
        throw new AppError(
          'forbidden',
          'this export holds personal data, which this key may not see; request a masked export instead',
        );
      }
      let stream: fs.ReadStream;
      try {
        stream = await openFile(e.filePath);
      } catch {
        throw notFound('export file', exportId);
      }
      await audit(db, {
        tenantId,
        at: clock.now(),
        actor: p.actor,
        action: 'exports.download',
        subject: taskId,
        detail: { exportId, masked: e.masked, rows: e.rowCount },
      });
      const stamp = DateTime.fromJSDate(e.createdAt, { zone: 'utc' }).toFormat(
        "yyyyLLdd'T'HHmmss'Z'",
      );
      reply
        .type(CONTENT_TYPES[e.format])
        .header(
          'content-disposition',
          contentDisposition(`${task.name}-results-${stamp}.${e.format}`),
        );
      if (e.bytes !== null) reply.header('content-length', String(e.bytes));
      return reply.send(stream);
    },
  );
};

/** Opens the file, failing here (not mid-response) when it is gone. */
function openFile(file: string): Promise<fs.ReadStream> {
  return new Promise((resolve, reject) => {
    const s = fs.createReadStream(file);
    s.once('open', () => resolve(s));
    s.once('error', reject);
  });
}
