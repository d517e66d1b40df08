import { connect, createServer, type Server, type Socket } from 'node:net';
import { FramingError, StreamFramer } from './framing.ts';
import type { Endpoint, Transport, TransportEvents } from './transport.ts';

/**
 * SIP over TCP (RFC 3261 §18): requests to the trunk go on one connection we open (from our bind
 * address) and reuse; a listener on the bind address takes connections the trunk opens to us (an
 * in-dialog BYE sent to our Contact). Responses go back on the connection their request came on.
 * Messages are framed by Content-Length (./framing.ts). When a connection we opened drops, the
 * transport says so (`lost`) and the next request opens a new one: reconnecting is lazy, so a trunk
 * that is down costs one connection attempt per burst of requests, each failing at once.
 */
export interface TcpOptions {
  bindAddress: string;
  bindPort?: number;
}

interface Conn {
  socket: Socket;
  framer: StreamFramer;
  keys: string[];
  /** Set on connections we opened: where they go. */
  dest?: Endpoint;
  err?: unknown;
}

const keyOf = (e: Endpoint) => `${e.host.toLowerCase()}|${e.port}`;

export class TcpTransport implements Transport {
  readonly name = 'TCP';
  readonly reliable = true;
  readonly #o: TcpOptions;
  readonly #ev: TransportEvents;
  #server: Server | undefined;
  readonly #byKey = new Map<string, Conn>();
  readonly #all = new Set<Conn>();
  #local: Endpoint = { host: '', port: 0 };
  #closing = false;
  /** Connections opened to peers since start (the first, and every reconnect). */
  connects = 0;

  constructor(o: TcpOptions, ev: TransportEvents) {
    this.#o = o;
    this.#ev = ev;
  }

  get local(): Endpoint {
    return this.#local;
  }

  /** Open connections, both directions. */
  get connections(): number {
    return this.#all.size;
  }

  async start(): Promise<void> {
    const server = createServer({ noDelay: true }, (s) => this.#accept(s));
    server.on('error', (err) => this.#ev.error(err));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(
        { host: this.#o.bindAddress, port: this.#o.bindPort ?? 0, exclusive: true },
        () => {
          server.off('error', reject);
          resolve();
        },
      );
    });
    this.#server = server;
    const a = server.address();
    if (a && typeof a === 'object') this.#local = { host: a.address, port: a.port };
  }

  send(bytes: Buffer, dest: Endpoint): object | undefined {
    if (this.#closing || !this.#server) return undefined;
    const c = this.#byKey.get(keyOf(dest)) ?? this.#open(dest);
    c.socket.write(bytes);
    return c;
  }

  async close(): Promise<void> {
    this.#closing = true;
    for (const c of this.#all) c.socket.destroy();
    this.#all.clear();
    this.#byKey.clear();
    const s = this.#server;
    this.#server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  #open(dest: Endpoint): Conn {
    this.connects++;
    // Writes before 'connect' are queued by the socket; a refused connection errors, then closes.
    const socket = connect({
      host: dest.host,
      port: dest.port,
      localAddress: this.#o.bindAddress,
      noDelay: true,
    });
    const c = this.#wrap(socket, dest);
    this.#register(c, keyOf(dest));
    socket.once('connect', () => {
      if (socket.remoteAddress && socket.remotePort)
        this.#register(c, keyOf({ host: socket.remoteAddress, port: socket.remotePort }));
    });
    return c;
  }

  #accept(socket: Socket): void {
    if (this.#closing) return void socket.destroy();
    const c = this.#wrap(socket);
    if (socket.remoteAddress && socket.remotePort)
      this.#register(c, keyOf({ host: socket.remoteAddress, port: socket.remotePort }));
  }

  #register(c: Conn, key: string): void {
    // A newer connection to the same place takes over the name; the old one keeps its own keys
    // until it closes, and only removes names that are still its own.
    this.#byKey.set(key, c);
    c.keys.push(key);
  }

  #wrap(socket: Socket, dest?: Endpoint): Conn {
    const from = (): Endpoint => ({
      host: socket.remoteAddress ?? dest?.host ?? '',
      port: socket.remotePort ?? dest?.port ?? 0,
    });
    const c: Conn = {
      socket,
      keys: [],
      ...(dest ? { dest } : {}),
      framer: new StreamFramer({
        message: (buf) => this.#ev.message(buf, from()),
        ping: () => void socket.write('\r\n'),
      }),
    };
    this.#all.add(c);
    socket.on('data', (chunk) => {
      try {
        c.framer.push(chunk);
      } catch (err) {
        // The stream lost its framing: nothing after this point can be trusted.
        if (!(err instanceof FramingError)) throw err;
        c.err = err;
        this.#ev.error(err);
        socket.destroy();
      }
    });
    socket.on('error', (err) => (c.err ??= err));
    socket.on('close', () => {
      this.#all.delete(c);
      for (const k of c.keys) if (this.#byKey.get(k) === c) this.#byKey.delete(k);
      if (!this.#closing) this.#ev.lost?.(c, dest ?? from(), c.err);
    });
    return c;
  }
}
