import { randomBytes } from 'node:crypto';
import type { Scheduler, Timer } from '../../platform/scheduler.ts';
import {
  header,
  headers,
  params,
  parseCSeq,
  parseMessage,
  parseVia,
  serialize,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.ts';
import { TcpTransport } from './tcp.ts';
import { UdpTransport, type Endpoint, type Transport } from './transport.ts';

export type { Endpoint } from './transport.ts';

/**
 * Our own SIP transaction layer (RFC 3261 §17) over UDP or TCP, on the injected scheduler: client
 * INVITE (Timers A, B, D; ACK of non-2xx in the transaction) and non-INVITE transactions (Timers
 * E, F, K), and a server side that answers retransmitted requests with the cached response
 * (Timer J). On TCP (reliable) nothing is retransmitted and D, K, J are zero, but Timers B and F
 * still bound a transaction, and a connection that drops fails the transactions sent on it.
 * Why not the npm `sip` package: see docs/sip.md.
 */

export interface ClientHandlers {
  provisional?(res: SipResponse): void;
  /** Every final response; a 2xx to INVITE may come again (retransmitted): the TU re-ACKs it. */
  final(res: SipResponse): void;
  /** Timer B or F: nothing final came. */
  timeout(): void;
  /** TCP: the connection the request went on closed (or never opened) before a final response. */
  transportError?(err: unknown): void;
}

export interface StackOptions {
  sched: Scheduler;
  bindAddress: string;
  /** Default udp. */
  transport?: 'udp' | 'tcp';
  /** 0: any free port. */
  bindPort?: number;
  /** Receive/send socket buffers. The kernel default drops packets at a few thousand calls/s. */
  socketBufferBytes?: number;
  t1Ms?: number;
  t2Ms?: number;
  t4Ms?: number;
  /** Requests that are not retransmissions of one we answered already. */
  onRequest(req: SipRequest, from: Endpoint): void;
  onError?(err: unknown): void;
  /** TCP: a connection we opened to `dest` dropped (its transactions have failed already). */
  onConnectionLost?(dest: Endpoint, err: unknown): void;
}

interface ClientTxn {
  key: string;
  invite: boolean;
  req: SipRequest;
  bytes: Buffer;
  dest: Endpoint;
  /** The connection it went on (TCP). */
  conn: object | undefined;
  h: ClientHandlers;
  state: 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
  retransmit?: Timer;
  timeout?: Timer;
  interval: number;
}

export function newBranch(): string {
  // RFC 3261 magic cookie + 128 random bits: unique across calls and processes.
  return `z9hG4bK${randomBytes(16).toString('hex')}`;
}

export function newTag(): string {
  return randomBytes(8).toString('hex');
}

export class SipStack {
  readonly #o: Required<
    Pick<StackOptions, 'sched' | 'bindAddress' | 'onRequest' | 't1Ms' | 't2Ms' | 't4Ms'>
  > &
    StackOptions;
  readonly transport: Transport;
  readonly #clients = new Map<string, ClientTxn>();
  readonly #served = new Map<string, { res: Buffer | undefined; timer: Timer }>();
  /** Messages that did not parse; counted, not thrown. */
  badMessages = 0;

  constructor(o: StackOptions) {
    this.#o = { t1Ms: 500, t2Ms: 4000, t4Ms: 5000, ...o };
    const events = {
      message: (buf: Buffer, from: Endpoint) => this.#receive(buf, from),
      error: (err: unknown) => this.#o.onError?.(err),
      lost: (conn: object, dest: Endpoint, err?: unknown) => this.#lost(conn, dest, err),
    };
    const bind = { bindAddress: o.bindAddress, ...(o.bindPort ? { bindPort: o.bindPort } : {}) };
    this.transport =
      o.transport === 'tcp'
        ? new TcpTransport(bind, events)
        : new UdpTransport(
            { ...bind, ...(o.socketBufferBytes ? { socketBufferBytes: o.socketBufferBytes } : {}) },
            events,
          );
  }

  get local(): Endpoint {
    return this.transport.local;
  }

  /** UDP: the socket buffer sizes the kernel granted (it caps them at net.core.rmem_max). */
  socketBuffers(): { recv: number; send: number } | undefined {
    return this.transport instanceof UdpTransport ? this.transport.socketBuffers() : undefined;
  }

  get t1(): number {
    return this.#o.t1Ms;
  }

  async start(): Promise<void> {
    await this.transport.start();
  }

  async close(): Promise<void> {
    for (const t of this.#clients.values()) this.#terminate(t);
    for (const s of this.#served.values()) s.timer.cancel();
    this.#served.clear();
    await this.transport.close();
  }

  /** Sends without a transaction (ACK of a 2xx, responses). */
  send(m: SipMessage | Buffer, dest: Endpoint): void {
    this.transport.send(Buffer.isBuffer(m) ? m : serialize(m), dest);
  }

  /** Starts a client transaction; `req` must carry its top Via with a fresh branch. */
  request(req: SipRequest, dest: Endpoint, h: ClientHandlers): { cancel(): void } {
    const branch = params(headers(req, 'via')[0] ?? '').branch ?? '';
    const invite = req.method === 'INVITE';
    const t: ClientTxn = {
      key: `${branch}|${req.method}`,
      invite,
      req,
      bytes: serialize(req),
      dest,
      conn: undefined,
      h,
      state: 'calling',
      interval: this.#o.t1Ms,
    };
    this.#clients.set(t.key, t);
    t.conn = this.transport.send(t.bytes, dest);
    // Timers A and E are for unreliable transports only (§17.1.1.2, §17.1.2.2).
    if (!this.transport.reliable) this.#armRetransmit(t);
    // Timer B (INVITE) stops mattering once a provisional came: a ringing call may last minutes;
    // the TU's own Timer C (maxRingSec, the CANCEL guard) bounds it. Timer F runs in both states.
    t.timeout = this.#after(64 * this.#o.t1Ms, () => {
      if (t.state === 'calling' || (!t.invite && t.state === 'proceeding')) {
        this.#terminate(t);
        t.h.timeout();
      }
    });
    // Abandoning a transaction stops its retransmissions and timeout; once it has a final response
    // it stays until Timer D/K so retransmitted finals are still ACKed.
    return {
      cancel: () =>
        t.state === 'calling' || t.state === 'proceeding' ? this.#terminate(t) : undefined,
    };
  }

  /** Answers a request and keeps the response for its retransmissions (Timer J; UDP only). */
  respond(req: SipRequest, res: SipResponse, to: Endpoint): void {
    const bytes = serialize(res);
    if (this.transport.reliable) return this.send(bytes, to);
    const key = this.#serverKey(req);
    const prior = this.#served.get(key);
    prior?.timer.cancel();
    this.#served.set(key, {
      res: bytes,
      timer: this.#after(64 * this.#o.t1Ms, () => this.#served.delete(key)),
    });
    this.send(bytes, to);
  }

  #serverKey(req: SipRequest): string {
    const via = headers(req, 'via')[0] ?? '';
    return `${params(via).branch ?? ''}|${req.method === 'ACK' ? 'INVITE' : req.method}`;
  }

  #after(ms: number, fn: () => void): Timer {
    return this.#o.sched.at(this.#o.sched.now().getTime() + ms, fn);
  }

  #armRetransmit(t: ClientTxn): void {
    t.retransmit = this.#after(t.interval, () => {
      if (t.state === 'terminated' || t.state === 'completed' || t.state === 'accepted') return;
      if (t.invite && t.state === 'proceeding') return; // Timer A stops at the first provisional.
      this.send(t.bytes, t.dest);
      t.interval = t.invite ? t.interval * 2 : Math.min(t.interval * 2, this.#o.t2Ms);
      this.#armRetransmit(t);
    });
  }

  /** A connection dropped: what was sent on it and still awaits a final response has failed. */
  #lost(conn: object, dest: Endpoint, err: unknown): void {
    for (const t of [...this.#clients.values()]) {
      if (t.conn !== conn || (t.state !== 'calling' && t.state !== 'proceeding')) continue;
      this.#terminate(t);
      if (t.h.transportError) t.h.transportError(err);
      else t.h.timeout();
    }
    this.#o.onConnectionLost?.(dest, err);
  }

  #terminate(t: ClientTxn): void {
    t.state = 'terminated';
    t.retransmit?.cancel();
    t.timeout?.cancel();
    this.#clients.delete(t.key);
  }

  #receive(buf: Buffer, from: Endpoint): void {
    let m: SipMessage;
    try {
      m = parseMessage(buf);
      if (m.kind === 'request') {
        // A request without the headers every transaction needs is garbage.
        parseCSeq(header(m, 'cseq'));
        parseVia(headers(m, 'via')[0] ?? '');
      }
    } catch {
      this.badMessages++;
      return;
    }
    if (m.kind === 'response') this.#onResponse(m);
    else this.#onRequest(m, from);
  }

  #onRequest(req: SipRequest, from: Endpoint): void {
    const served = this.#served.get(this.#serverKey(req));
    if (served) {
      if (served.res && req.method !== 'ACK') this.send(served.res, from);
      return;
    }
    // Responses go where the Via says (rport: to the source port, RFC 3581).
    this.#o.onRequest(req, from);
  }

  #onResponse(res: SipResponse): void {
    let key: string;
    try {
      const branch = params(headers(res, 'via')[0] ?? '').branch ?? '';
      key = `${branch}|${parseCSeq(header(res, 'cseq')).method}`;
    } catch {
      this.badMessages++;
      return;
    }
    const t = this.#clients.get(key);
    if (!t) return;
    const s = res.status;
    if (s < 200) {
      if (t.state === 'calling' || t.state === 'proceeding') {
        t.state = 'proceeding';
        // A non-INVITE keeps retransmitting, at T2, until its final response (Timer E).
        if (!t.invite) t.interval = this.#o.t2Ms;
        t.h.provisional?.(res);
      }
      return;
    }
    if (t.invite && s < 300) {
      const first = t.state !== 'accepted';
      t.state = 'accepted';
      t.retransmit?.cancel();
      t.timeout?.cancel();
      // Stay 64·T1 to hand retransmitted 2xx to the TU, which re-sends its ACK (RFC 6026).
      if (first) t.timeout = this.#after(64 * this.#o.t1Ms, () => this.#terminate(t));
      t.h.final(res);
      return;
    }
    if (t.invite) {
      this.send(ackFor(t.req, res), t.dest);
      if (t.state === 'completed') return; // a retransmitted final: ACKed again, reported once
    } else if (t.state === 'completed') return;
    t.retransmit?.cancel();
    t.timeout?.cancel();
    if (this.transport.reliable) {
      this.#terminate(t); // Timers D and K are zero on a reliable transport
    } else {
      t.state = 'completed';
      // Timer D (INVITE, 64·T1 = 32 s on UDP) / Timer K (T4): absorb retransmitted finals.
      t.timeout = this.#after(t.invite ? 64 * this.#o.t1Ms : this.#o.t4Ms, () =>
        this.#terminate(t),
      );
    }
    t.h.final(res);
  }
}

/** The ACK of a non-2xx final response: part of the INVITE transaction (§17.1.1.3). */
export function ackFor(invite: SipRequest, res: SipResponse): SipRequest {
  const hs: [string, string][] = [
    ['Via', headers(invite, 'via')[0]!],
    ['Max-Forwards', '70'],
    ['From', header(invite, 'from')!],
    ['To', header(res, 'to')!],
    ['Call-ID', header(invite, 'call-id')!],
    ['CSeq', `${parseCSeq(header(invite, 'cseq')).seq} ACK`],
  ];
  for (const r of headers(invite, 'route')) hs.push(['Route', r]);
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers: hs, body: Buffer.alloc(0) };
}
