import { Type } from '@sinclair/typebox';
import { ForecastModel, ModelOutcome } from '../../domain/forecast-model.ts';

/**
 * Request and response schemas of a task's forecasts (docs/api.md#forecasts). Objects of the
 * report stay open so a field added to the report is sent before the schema names it.
 */
const open = { additionalProperties: true } as const;
const Instant = Type.String({ format: 'date-time' });
const MaybeInstant = Type.Union([Instant, Type.Null()]);
const Counts = Type.Record(Type.String(), Type.Integer());

export const ForecastRequest = Type.Object(
  {
    until: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'simulate up to here (default: the task’s end, at most 90 days ahead; at most 400 days)',
      }),
    ),
    channels: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description: 'channels to assume (default: the tenant’s)',
      }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'seed of the simulated network’s draws (default 1)',
      }),
    ),
    model: Type.Optional({
      ...ForecastModel,
      description:
        'how calls end (default: from the task’s own past attempts when it has 30 or more, else a typical model)',
    }),
  },
  { additionalProperties: false },
);

const Point = Type.Object(
  {
    at: Type.String({ description: 'the start of the hour (or day), in the task’s time zone' }),
    calls: Type.Integer({ description: 'attempts started in the bucket' }),
    answered: Type.Integer(),
    peakChannels: Type.Integer({ description: 'most calls of the task in progress at once' }),
    meanChannels: Type.Number({ description: 'mean channels in use over the bucket' }),
  },
  open,
);

export const ForecastReportView = Type.Object(
  {
    taskId: Type.String(),
    from: Instant,
    until: Instant,
    simulatedUntil: Type.String({ format: 'date-time', description: 'where the clock stopped' }),
    truncated: Type.Boolean({
      description: 'true when the wall-time limit stopped the forecast before the task finished',
    }),
    state: Type.String({ description: 'the task’s state when the forecast stopped' }),
    finishesAt: Type.Union([Instant, Type.Null()], {
      description: 'when the task completes (nothing left to call); null: not by `until`',
    }),
    firstCallAt: MaybeInstant,
    lastCallAt: MaybeInstant,
    model: Type.Object(
      {
        source: Type.Unsafe<string>({ type: 'string', enum: ['task', 'request', 'default'] }),
        sample: Type.Integer({ description: 'past attempts the model was taken from' }),
        outcomes: Type.Array(ModelOutcome),
      },
      open,
    ),
    channels: Type.Object({ limit: Type.Integer(), peak: Type.Integer() }, open),
    callsPerHour: Type.Object(
      {
        mean: Type.Number({ description: 'over the hours in which the task calls' }),
        peak: Type.Integer(),
      },
      open,
    ),
    attempts: Type.Object(
      { total: Type.Integer(), byResult: Counts },
      { ...open, description: 'the forecast’s calls (past calls not included)' },
    ),
    customers: Type.Object(
      {
        total: Type.Integer(),
        byState: Counts,
        byFinalResult: Counts,
        byBusinessResult: Counts,
        reached: Type.Integer({ description: 'finished with a connected call' }),
        unreached: Type.Object(
          {
            total: Type.Integer(),
            policy: Type.Integer({ description: 'attempts ran out, or a result stopped them' }),
            blocked: Type.Integer({ description: 'every number blocked, not trusted or invalid' }),
            filtered: Type.Integer({ description: 'excluded by the task’s filter' }),
            timeRanOut: Type.Integer({
              description:
                'still to call when the forecast stopped (windows, caps, the task’s end)',
            }),
          },
          open,
        ),
      },
      open,
    ),
    series: Type.Object(
      {
        bucket: Type.Unsafe<string>({ type: 'string', enum: ['hour', 'day'] }),
        points: Type.Array(Point),
      },
      open,
    ),
    sampled: Type.Optional(
      Type.Union(
        [
          Type.Object(
            {
              customers: Type.Integer({ description: 'customers the forecast ran with' }),
              of: Type.Integer({ description: 'customers of the task' }),
              share: Type.Number({
                description: 'the share of the pacing and channels it ran with',
              }),
              strategy: Type.Object(
                { intervalSec: Type.Integer(), callsPerInterval: Type.Integer() },
                open,
              ),
              channels: Type.Integer(),
              eventGridSec: Type.Integer({
                description:
                  'seconds between the instants the sample’s engine heard call events (its tick; 0: as they happened)',
              }),
            },
            open,
          ),
          Type.Null(),
        ],
        {
          description:
            'a forecast of a large task runs over a sample of its customers with its pacing and channels scaled by the same share; the figures are scaled back up. null: all customers',
        },
      ),
    ),
    timings: Type.Object(
      {
        wallMs: Type.Integer(),
        setupMs: Type.Integer({ description: 'database, migrations and copying the customers' }),
        firstCallMs: Type.Union([Type.Integer(), Type.Null()]),
        runMs: Type.Integer(),
      },
      open,
    ),
  },
  open,
);

export const ForecastView = Type.Object(
  {
    id: Type.String(),
    taskId: Type.String(),
    state: Type.Unsafe<string>({
      type: 'string',
      enum: ['queued', 'running', 'done', 'failed'],
    }),
    request: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Instant,
    startedAt: MaybeInstant,
    finishedAt: MaybeInstant,
    requestedBy: Type.String(),
    error: Type.Union([Type.String(), Type.Null()]),
    report: Type.Union([ForecastReportView, Type.Null()]),
  },
  open,
);
