import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DateTime } from 'luxon';
import { chooseModel, modelFromStats, type ForecastModel } from '../../domain/forecast-model.ts';
import { ForecastJobs } from '../../engine/forecast-jobs.ts';
import { conflict, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import { attemptStats } from '../../store/forecast-seed.ts';
import {
  activeForecast,
  getForecast,
  insertForecast,
  listForecasts,
  type ForecastRow,
} from '../../store/forecasts.ts';
import { getTask } from '../../store/tasks.ts';
import { requireTenant } from '../auth.ts';
import type { AppDeps } from '../app.ts';
import type { ForecastReportView } from './forecast-views.ts';
import { ForecastRequest, ForecastView } from './forecast-views.ts';
import { assertVisible } from './service.ts';

/**
 * Forecasts of a task (docs/api.md#forecasts). A forecast runs for seconds to minutes, so
 * `POST …/forecast` answers 202 with the forecast queued and its URL in `Location`; the client
 * polls `GET …/forecasts/{forecastId}` until `state` is `done` (or `failed`). One forecast of a
 * task at a time. `deps.forecasts` runs them (tests pass their own to wait for one); default: one
 * made here.
 */
const TaskParams = Type.Object({ tenantId: Type.String(), taskId: Type.String() });
const ForecastParams = Type.Object({
  tenantId: Type.String(),
  taskId: Type.String(),
  forecastId: Type.String(),
});
const tags = ['tasks'];
const DAY = 86_400_000;
/** The default horizon: the task's end, but no further ahead than this. */
const DEFAULT_HORIZON_DAYS = 90;
const MAX_HORIZON_DAYS = 400;
/** How long past its wall limit a queued or running forecast is given before it counts as lost. */
const GRACE_MS = 60_000;

export const forecastRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, clock } = deps;
  const jobs = deps.forecasts ?? new ForecastJobs({ db, clock, logger: deps.logger });
  if (!deps.forecasts) app.addHook('onClose', () => jobs.close());

  const view = (f: ForecastRow) => {
    // A forecast past its expiry without an outcome was lost with the process that ran it.
    const lost = (f.state === 'queued' || f.state === 'running') && f.expiresAt <= clock.now();
    return {
      id: f.id,
      taskId: f.taskId,
      state: lost ? 'failed' : f.state,
      request: f.request,
      createdAt: f.createdAt.toISOString(),
      startedAt: f.startedAt?.toISOString() ?? null,
      finishedAt: f.finishedAt?.toISOString() ?? null,
      requestedBy: f.requestedBy,
      error: lost
        ? 'the forecast was interrupted (its server stopped); request a new one'
        : f.error,
      // Written by this process's forecast from the same report type the view describes.
      report: f.report as Static<typeof ForecastReportView> | null,
    };
  };

  app.post(
    '/tenants/:tenantId/tasks/:taskId/forecast',
    {
      // An empty POST asks for a forecast with every default.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        operationId: 'forecastTask',
        summary: 'Forecast the task: 202, then poll the forecast until it is done',
        params: TaskParams,
        body: ForecastRequest,
        response: { 202: ForecastView },
      },
    },
    async (req, reply) => {
      const { tenantId, taskId } = req.params;
      const p = requireTenant(req, tenantId, 'operate');
      const task = assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const now = clock.now();
      const end = new Date(task.config.end);
      const errors: FieldError[] = [];
      let until = new Date(Math.min(end.getTime(), now.getTime() + DEFAULT_HORIZON_DAYS * DAY));
      if (req.body.until !== undefined) {
        const u = DateTime.fromISO(req.body.until, { setZone: true });
        if (!u.isValid) errors.push({ path: '/until', message: 'must be an ISO 8601 date-time' });
        else if (u.toMillis() <= now.getTime())
          errors.push({ path: '/until', message: 'must be in the future' });
        else if (u.toMillis() > now.getTime() + MAX_HORIZON_DAYS * DAY)
          errors.push({
            path: '/until',
            message: `must be at most ${MAX_HORIZON_DAYS} days ahead`,
          });
        else until = u.toJSDate();
      }
      const model = req.body.model;
      if (model && !model.outcomes.some((o) => o.share > 0))
        errors.push({ path: '/model/outcomes', message: 'at least one share must be above 0' });
      if (errors.length) throw invalid(errors, 'Invalid forecast request');
      if (task.state === 'expired' || end <= now)
        throw conflict('the task has expired: there is nothing left to forecast', {
          state: task.state,
        });
      const active = await activeForecast(db, tenantId, taskId, now);
      if (active)
        throw conflict('a forecast of this task is already under way', { forecastId: active.id });

      const chosen = chooseModel(
        model as ForecastModel | undefined,
        modelFromStats(await attemptStats(db, taskId)),
      );
      const f = await insertForecast(db, {
        tenantId,
        taskId,
        id: randomUUID(),
        request: { ...req.body, until: until.toISOString() },
        requestedBy: p.actor,
        createdAt: now,
        expiresAt: new Date(now.getTime() + (jobs.pending + 1) * jobs.wallLimitMs + GRACE_MS),
      });
      jobs.submit(f, {
        until,
        model: chosen,
        channels: req.body.channels,
        randomSeed: req.body.seed,
        blocklistId: task.config.blocklistId ?? null,
      });
      return reply
        .code(202)
        .header('location', `/api/v1/tenants/${tenantId}/tasks/${taskId}/forecasts/${f.id}`)
        .send(view(f));
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/forecasts',
    {
      schema: {
        tags,
        operationId: 'listTaskForecasts',
        summary: 'The task’s latest forecasts, newest first',
        params: TaskParams,
        response: { 200: Type.Object({ items: Type.Array(ForecastView) }) },
      },
    },
    async (req) => {
      const { tenantId, taskId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      return { items: (await listForecasts(db, tenantId, taskId)).map(view) };
    },
  );

  app.get(
    '/tenants/:tenantId/tasks/:taskId/forecasts/:forecastId',
    {
      schema: {
        tags,
        operationId: 'getTaskForecast',
        summary: 'A forecast: its state, and its report once done',
        params: ForecastParams,
        response: { 200: ForecastView },
      },
    },
    async (req) => {
      const { tenantId, taskId, forecastId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      const f = await getForecast(db, tenantId, taskId, forecastId);
      if (!f) throw notFound('forecast', forecastId);
      return view(f);
    },
  );
};
