import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Config } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { AcceleratedScheduler, RealScheduler } from '../platform/scheduler.ts';
import { buildApp } from '../api/app.ts';
import { Dialer } from '../engine/dialer.ts';
import { countSystemKeys } from '../store/api-keys.ts';
import { createApiKey } from '../api/auth.ts';
import { SimTelephony } from '../telephony/sim/adapter.ts';
import { NetworkRules } from '../telephony/sim/network.ts';
import { schemaErrors } from '../domain/schema-errors.ts';
import { defaultRecogniser, promptStoreFor, SipTelephony } from '../telephony/sip/adapter.ts';
import type { SipConfig } from '../telephony/sip/config.ts';
import type { Telephony } from '../telephony/port.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import type { Logger } from '../platform/logger.ts';
import fs from 'node:fs';
import { openRuntime } from './runtime.ts';
import { buildConsole } from './build-console.ts';
import { connectSimAgents, simQueueBoard } from './sim-agents.ts';
import { createMetrics } from '../platform/metrics.ts';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { registerMetrics } from '../api/app.ts';
import { ExportWorker, exportsDir } from '../engine/export-worker.ts';
import { RecordingWorker } from '../engine/recording-worker.ts';
import { OutboxDispatcher, callbackChannel } from '../engine/outbox-dispatcher.ts';
import { CallbackSender } from '../notify/http-sender.ts';
import { systemResolver } from '../notify/callback-target.ts';
import { smsChannel } from '../notify/sms.ts';
import { Housekeeper } from '../store/housekeeping.ts';

/**
 * What a process runs: `api` (the API and the export worker), `engine` (the dialer and the outbox
 * dispatcher), `dialer` and `dispatcher` (each half of an engine alone, so callbacks and SMS can run
 * apart from dialing), or `all` (everything, the default).
 */
export type Role = 'api' | 'engine' | 'dialer' | 'dispatcher' | 'all';
export const ROLES: readonly Role[] = ['all', 'api', 'engine', 'dialer', 'dispatcher'];

/**
 * `outbound serve`: the API and/or the dialing engine on the configured database, on the real
 * clock, until SIGINT/SIGTERM. The engine places calls through the `sim` network or, with
 * OUTBOUND_TELEPHONY=sip, a SIP trunk.
 */
export async function serve(
  config: Config,
  opts: { port?: number; role?: Role; speed?: number; from?: string; network?: string },
): Promise<void> {
  const role = opts.role ?? 'all';
  const hasApi = role === 'all' || role === 'api';
  const hasDialer = role === 'all' || role === 'engine' || role === 'dialer';
  const hasDispatcher = role === 'all' || role === 'engine' || role === 'dispatcher';
  const logger = createLogger({ level: config.logLevel });
  const { store, cipher } = await openRuntime(config, (err) =>
    logger.warn({ err }, 'a database connection broke; the pool opens a new one'),
  );
  const onError = (err: unknown) => logger.error({ err }, 'timer failed');
  // --speed runs the whole service on an accelerated clock (demonstrations, browser tests).
  const scheduler =
    opts.speed || opts.from
      ? new AcceleratedScheduler(
          opts.from ? new Date(opts.from) : new Date(),
          opts.speed ?? 1,
          onError,
        )
      : new RealScheduler(onError);
  // Leases, heartbeats and the drain are operators' real seconds: on an accelerated clock they
  // last `speed` times as long on it, so `--speed 60` never shortens a lease to 1 s of real time
  // (a stalled database would then make live calls look dead).
  const realTime = scaleToClock(opts.speed);
  const idle = idlePolls(opts.speed);
  // Exports are written where the API serves them from: in API processes.
  const exporter = !hasApi
    ? undefined
    : new ExportWorker({
        db: store.db,
        scheduler,
        cipher,
        dir: exportsDir(config.dataDir),
        owner: `exports-${hostname()}-${process.pid}`,
        retentionMs: config.exportRetentionDays * 86_400_000,
        idleMs: idle.exports,
        logger: logger.child({ worker: 'exports' }),
      }).start();
  // Every role: folds the progress counters, prunes audit rows past their retention.
  const housekeeper = new Housekeeper({
    db: store.db,
    scheduler,
    auditRetentionMs: config.auditRetentionDays * 86_400_000,
    foldMs: idle.fold,
    // PGlite has no autovacuum to keep the planner's statistics current.
    ...(store.kind === 'pglite' ? { analyzeMs: 600_000 } : {}),
    logger: logger.child({ worker: 'housekeeping' }),
  }).start();

  // Recordings are served, and removed after their retention, where the API runs.
  const recordings = !hasApi
    ? undefined
    : new RecordingWorker({
        db: store.db,
        scheduler,
        dir: config.recordingsDir,
        retentionMs: config.recordingRetentionDays * 86_400_000,
        logger: logger.child({ worker: 'recordings' }),
      }).start();
  const metrics = createMetrics(store.db, scheduler);
  let dialer: Dialer | undefined;
  let telephony: Telephony | undefined;
  let dispatcher: OutboxDispatcher | undefined;
  const sender = new CallbackSender({ resolve: systemResolver });
  const sms = smsChannel({ resolve: systemResolver, cipher });
  const engineId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = logger.child({ engine: engineId });
  if (hasDispatcher) {
    dispatcher = new OutboxDispatcher({
      db: store.db,
      scheduler,
      owner: engineId,
      channels: { callback: callbackChannel(sender), sms },
      leaseMs: config.leaseSec * 2000 * realTime,
      idleMs: idle.dispatcher,
      metrics,
      logger: log,
    });
    dispatcher.start();
  }
  if (hasDialer) {
    telephony = await telephonyFor(config, scheduler, logger, opts.network);
    dialer = new Dialer({
      db: store.db,
      scheduler,
      telephony,
      engineId,
      logger: log,
      leaseMs: config.leaseSec * 1000 * realTime,
      idleMs: idle.dialer,
      onOutbox: () => dispatcher?.wakeAt(),
      metrics,
      // The sim's simulated queues pace without a push; other queues by the pushed states.
      queueBoard: telephony instanceof SimTelephony ? simQueueBoard(telephony.centre) : undefined,
    });
    if (telephony instanceof SimTelephony) connectSimAgents(telephony.centre, dialer);
    dialer.start();
  }
  // On a SIP trunk, publishing a flow converts its prompts into the cache calls read from (the
  // engine's own store when it runs in this process; else one on the same cache directory).
  const prompts =
    !hasApi || config.telephony !== 'sip'
      ? undefined
      : telephony instanceof SipTelephony
        ? telephony.prompts
        : promptStoreFor(sipConfigOf(config));
  // On a SIP trunk with the embedded recogniser, a speech robot's phrases must be words its
  // dictionary knows: checked when the robot is saved.
  const hearing =
    hasApi && config.telephony === 'sip' ? defaultRecogniser(sipConfigOf(config)) : undefined;
  if (hasApi) {
    try {
      buildConsole((m) => logger.info(m));
    } catch (err) {
      logger.warn({ err }, 'the web console could not be built; the API works without it');
    }
  }
  const app = hasApi
    ? await buildApp({
        // API requests queue behind the engine's work (see Store.api).
        db: store.api,
        clock: scheduler,
        cipher,
        logger,
        metrics,
        recordingsDir: config.recordingsDir,
        onChange: () => {
          dialer?.wakeAt();
          dispatcher?.wakeAt();
          exporter?.wakeAt();
        },
        ...(prompts ? { preparePrompts: (doc) => prompts.prepare(doc) } : {}),
        ...(hearing ? { unknownSpeechWords: (phrases) => hearing.unknownWords(phrases) } : {}),
      })
    : undefined;
  // A process without the API still answers /health and /metrics on its port.
  const probe = !hasApi ? Fastify({ loggerInstance: logger as FastifyBaseLogger }) : undefined;
  if (probe) {
    probe.get('/health', async () => ({ ok: true, role }));
    registerMetrics(probe, metrics);
    await probe.listen({ port: opts.port ?? config.port, host: config.host });
  }
  if (app) {
    await app.listen({ port: opts.port ?? config.port, host: config.host });
    if ((await countSystemKeys(store.db)) === 0) {
      // First start: a system administrator key, shown once, so the API can be used at all.
      const { key } = await createApiKey(store.db, {
        tenantId: null,
        role: 'system_admin',
        ouId: null,
        name: 'bootstrap',
        now: scheduler.now(),
      });
      process.stdout.write(
        `\nFirst start: system administrator key (shown once, keep it):\n  ${key}\n\n`,
      );
    }
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new calls, finishing the calls in progress');
    await app?.close();
    await probe?.close();
    if (dialer) {
      const { ended, cut } = await dialer.drain(config.drainSec * 1000 * realTime);
      log.info({ ended, cut }, 'engine drained');
    }
    await telephony?.close();
    await dialer?.stop();
    await dispatcher?.stop();
    await sender.close();
    await sms.close();
    await exporter?.stop();
    await housekeeper.stop();

    await recordings?.stop();
    await store.close();
    process.exit(0);
  };
  const onSignal = (signal: string) =>
    void stop(signal).catch((err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  // Said once a stop would drain: a SIGTERM right after this message is handled.
  if (dialer) logger.info({ engineId, telephony: config.telephony }, 'engine started');
  else if (dispatcher) logger.info({ engineId }, 'dispatcher started');
}

/**
 * How long each worker of `serve` waits, on the service's clock, before looking again for work
 * when it has none. Idle polls look for work other processes or API requests made, which happens
 * in real seconds: on an accelerated clock they are scaled like leases, or `--speed 600` would
 * poll the database hundreds of times a second and starve the API (a console page took minutes).
 * The dialer's own timetable (ticks, retries, windows) stays on the service's clock and its idle
 * poll is capped at a minute of that clock; the API of the same process wakes the workers on any
 * change (`AppDeps.onChange`).
 */
export function idlePolls(speed: number | undefined): {
  dialer: number;
  dispatcher: number;
  exports: number;
  fold: number;
} {
  const real = scaleToClock(speed);
  const idle = (ms: number, cap = Infinity) => Math.min(ms * real, Math.max(ms, cap));
  return {
    dialer: idle(1000, 60_000),
    dispatcher: idle(1000),
    exports: idle(2000),
    fold: idle(5000, 60_000),
  };
}

/** Milliseconds of the service's clock per real millisecond (`--speed`, default 1). */
export function scaleToClock(speed: number | undefined): number {
  return speed && speed > 0 ? speed : 1;
}

function sipConfigOf(config: Config): SipConfig {
  if (!config.sipConfigFile)
    throw new Error(
      'OUTBOUND_TELEPHONY=sip needs OUTBOUND_SIP_CONFIG (a JSON file, see docs/sip.md)',
    );
  const file = JSON.parse(fs.readFileSync(config.sipConfigFile, 'utf8')) as SipConfig;
  return { recordingsDir: config.recordingsDir, ...file };
}

/** The telephony adapter the configuration names: the sim network, or a SIP trunk. */
async function telephonyFor(
  config: Config,
  scheduler: Scheduler,
  logger: Logger,
  networkFile?: string,
): Promise<Telephony> {
  if (config.telephony === 'sim') {
    // --network FILE: the sim network's rules (the `network` of a simulate scenario).
    if (!networkFile) return new SimTelephony(scheduler);
    const rules: unknown = JSON.parse(fs.readFileSync(networkFile, 'utf8'));
    const errors = schemaErrors(NetworkRules, rules);
    if (errors.length) {
      throw new Error(`${networkFile}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
    }
    return new SimTelephony(scheduler, rules as NetworkRules);
  }
  const sip = new SipTelephony({
    // OUTBOUND_RECORDINGS_DIR: where the API serves recordings from and retention removes them.
    config: { ...sipConfigOf(config), recordingsDir: config.recordingsDir },
    scheduler,
    logger: logger.child({ telephony: 'sip' }),
  });
  await sip.start();
  return sip;
}
