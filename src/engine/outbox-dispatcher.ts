import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import { Loop } from './loop.ts';
import type { Db } from '../store/db.ts';
import {
  leaseDue,
  recordTries,
  type TryOutcome,
  nextOutboxDue,
  type LeasedMessage,
} from '../store/outbox.ts';
import { getCallbackSecret, getTenant } from '../store/tenants.ts';
import type { SendResult } from '../notify/http-sender.ts';
import type { TenantSettings } from '../domain/tenant.ts';

/** Sends one message of a kind; the dispatcher owns retries and the log. */
export interface SendContext {
  secret: string;
  trustlist: readonly string[];
  at: Date;
  settings?: TenantSettings;
}

export interface Channel {
  send(m: LeasedMessage, ctx: SendContext): Promise<SendResult>;
}

export interface DispatcherOptions {
  db: Db;
  scheduler: Scheduler;
  owner: string;
  channels: Partial<Record<'callback' | 'sms', Channel>>;
  logger?: Logger | undefined;
  /** Messages leased per round, sent concurrently. */
  batch?: number;
  /** How long a lease lasts: a dispatcher that dies mid-send gives the message back after this. */
  leaseMs?: number;
  /** Longest sleep when nothing is due. */
  idleMs?: number;
  metrics?: Pick<Metrics, 'deliveries'> | undefined;
}

/** Delay before try n+1: 5 s, 10 s, 20 s … capped at one hour. */
export const backoffMs = (tries: number) => Math.min(3600_000, 5000 * 2 ** Math.max(0, tries - 1));

/**
 * The outbox dispatcher: a loop of its own, apart from the dialer, so a slow or dead receiver
 * never slows dialing. Each round leases due messages, sends them concurrently, and records each
 * outcome: delivered; due again after a backoff; or failed once the tenant's limit of tries is
 * reached (or the target is not allowed any more).
 */
export class OutboxDispatcher {
  readonly #o: Required<Omit<DispatcherOptions, 'logger' | 'metrics'>> &
    Pick<DispatcherOptions, 'logger' | 'metrics'>;
  readonly #loop: Loop;
  delivered = 0;

  constructor(o: DispatcherOptions) {
    this.#o = { batch: 64, leaseMs: 120_000, idleMs: 1000, ...o };
    this.#loop = new Loop({
      scheduler: o.scheduler,
      tick: () => this.tick(),
      retryMs: this.#o.idleMs,
      onError: (err) => this.#o.logger?.error({ err }, 'outbox round failed'),
    });
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  wakeAt(at?: number): void {
    this.#loop.wakeAt(at);
  }

  /** One round at the scheduler's time; returns when the next one is wanted. */
  async tick(): Promise<number> {
    const { db, scheduler } = this.#o;
    const now = scheduler.now();
    const leased = await leaseDue(
      db,
      this.#o.owner,
      now,
      new Date(now.getTime() + this.#o.leaseMs),
      this.#o.batch,
    );
    const tenants = new Map<
      string,
      Promise<{
        secret: string;
        trustlist: readonly string[];
        maxTries: number;
        settings?: TenantSettings;
      }>
    >();
    const ctxOf = (tenantId: string) => {
      let p = tenants.get(tenantId);
      if (!p) {
        p = (async () => {
          const t = await getTenant(db, tenantId);
          return {
            secret: (await getCallbackSecret(db, tenantId)) ?? '',
            trustlist: t?.settings.callbackTrustlist ?? [],
            maxTries: t?.settings.callbackMaxTries ?? 15,
            ...(t ? { settings: t.settings } : {}),
          };
        })();
        tenants.set(tenantId, p);
      }
      return p;
    };
    const outcomes: TryOutcome[] = [];
    await Promise.all(
      leased.map(async (m) => {
        const ctx = await ctxOf(m.tenantId);
        const channel = this.#o.channels[m.kind as 'callback' | 'sms'];
        const at = scheduler.now();
        const r: SendResult = channel
          ? await channel.send(m, { ...ctx, at })
          : { ok: false, status: null, error: `no ${m.kind} channel configured`, permanent: false };
        const done = scheduler.now();
        this.#o.metrics?.deliveries.inc({
          kind: m.kind,
          outcome: r.ok ? 'delivered' : 'failed_try',
        });
        if (r.ok) {
          this.delivered++;
          outcomes.push({ id: m.id, delivered: true, status: r.status, at: done });
        } else {
          const giveUp = r.permanent || m.tries >= ctx.maxTries;
          outcomes.push({
            id: m.id,
            delivered: false,
            status: r.status,
            error: r.error ?? 'failed',
            nextAt: giveUp ? null : new Date(done.getTime() + backoffMs(m.tries)),
          });
          if (giveUp)
            this.#o.logger?.warn({ id: m.id, kind: m.kind, error: r.error }, 'message given up');
        }
      }),
    );
    // One statement for the whole round (the leases hold the rows until then).
    await recordTries(db, outcomes);
    const nowMs = scheduler.now().getTime();
    if (leased.length === this.#o.batch) return nowMs;
    const due = await nextOutboxDue(db);
    return Math.max(nowMs + 1, Math.min(nowMs + this.#o.idleMs, due ? due.getTime() : Infinity));
  }
}

/** The callback channel over an HTTP sender. */
export function callbackChannel(sender: {
  send(m: {
    url: string;
    body: string;
    secret: string;
    idempotencyKey: string;
    event: string;
    trustlist: readonly string[];
    at: Date;
  }): Promise<SendResult>;
}): Channel {
  return {
    send: (m, ctx) =>
      sender.send({
        url: m.target,
        body: JSON.stringify(m.payload),
        secret: ctx.secret,
        idempotencyKey: m.idempotencyKey,
        event: m.event,
        trustlist: ctx.trustlist,
        at: ctx.at,
      }),
  };
}
