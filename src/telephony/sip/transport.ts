import { createSocket, type Socket } from 'node:dgram';

/**
 * How SIP messages reach the wire. The transaction layer (./stack.ts) is the same over both; it
 * asks the transport whether it is reliable (no Timer A/E retransmissions, Timers D/K/J zero) and
 * hears when a connection it sent requests on is gone (./tcp.ts).
 */
export interface Endpoint {
  host: string;
  port: number;
}

/** What a transport tells the layer above. */
export interface TransportEvents {
  message(buf: Buffer, from: Endpoint): void;
  /** Socket errors that do not end anything by themselves (ICMP on UDP, a failed write). */
  error(err: unknown): void;
  /**
   * A connection we opened is gone (closed by the peer, reset, or never established). `conn` is
   * the token `send` returned for it.
   */
  lost?(conn: object, dest: Endpoint, err?: unknown): void;
}

export interface Transport {
  /** `UDP` or `TCP`, as Via writes it. */
  readonly name: 'UDP' | 'TCP';
  readonly reliable: boolean;
  /** The address and port we receive on (Via sent-by, Contact). */
  readonly local: Endpoint;
  start(): Promise<void>;
  /** Sends one message; returns the connection it went on (a token), or undefined on UDP. */
  send(bytes: Buffer, dest: Endpoint): object | undefined;
  close(): Promise<void>;
}

export interface UdpOptions {
  bindAddress: string;
  bindPort?: number;
  /** Receive/send socket buffers. The kernel default drops packets at a few thousand calls/s. */
  socketBufferBytes?: number;
}

/** One UDP socket for everything; no TCP listener at all. */
export class UdpTransport implements Transport {
  readonly name = 'UDP';
  readonly reliable = false;
  readonly #o: UdpOptions;
  readonly #ev: TransportEvents;
  #socket: Socket | undefined;
  #local: Endpoint = { host: '', port: 0 };

  constructor(o: UdpOptions, ev: TransportEvents) {
    this.#o = o;
    this.#ev = ev;
  }

  get local(): Endpoint {
    return this.#local;
  }

  /** The socket buffer sizes the kernel granted (it caps them at net.core.rmem_max/wmem_max). */
  socketBuffers(): { recv: number; send: number } | undefined {
    return this.#socket
      ? { recv: this.#socket.getRecvBufferSize(), send: this.#socket.getSendBufferSize() }
      : undefined;
  }

  async start(): Promise<void> {
    const size = this.#o.socketBufferBytes ?? 4 * 1024 * 1024;
    const s = createSocket({
      type: this.#o.bindAddress.includes(':') ? 'udp6' : 'udp4',
      recvBufferSize: size,
      sendBufferSize: size,
    });
    // An unhandled 'error' event would kill the process.
    s.on('error', (err) => this.#ev.error(err));
    s.on('message', (buf, rinfo) =>
      this.#ev.message(buf, { host: rinfo.address, port: rinfo.port }),
    );
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: this.#o.bindAddress, port: this.#o.bindPort ?? 0, exclusive: true }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    this.#socket = s;
    const a = s.address();
    this.#local = { host: a.address, port: a.port };
  }

  send(bytes: Buffer, dest: Endpoint): undefined {
    this.#socket?.send(bytes, dest.port, dest.host, (err) => {
      if (err) this.#ev.error(err);
    });
    return undefined;
  }

  async close(): Promise<void> {
    const s = this.#socket;
    this.#socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
