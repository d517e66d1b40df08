/**
 * SIP over a byte stream (RFC 3261 §18.3): a message ends after its header section plus
 * Content-Length bytes of body. The framer takes chunks as TCP delivers them (several messages in
 * one chunk, one message split across chunks, a split inside `\r\n\r\n` or inside the body) and
 * hands back whole messages. CRLFs between messages are skipped; a lone `\r\n\r\n` is an RFC 5626
 * keepalive ping, reported so the transport can answer its pong.
 */
export interface FrameSink {
  message(buf: Buffer): void;
  /** A `\r\n\r\n` keepalive between messages (RFC 5626 §4.4.1): answer `\r\n`. */
  ping?(): void;
}

export class FramingError extends Error {}

const CRLF2 = Buffer.from('\r\n\r\n');
/** Bigger headers or bodies are not SIP we can use: the stream is dropped rather than buffered. */
export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_BODY_BYTES = 1024 * 1024;

export class StreamFramer {
  #buf: Buffer = Buffer.alloc(0);
  /** Body length of the message whose header section is complete, while its body is awaited. */
  #need: { headEnd: number; length: number } | undefined;
  readonly #sink: FrameSink;

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.#buf.length;
  }

  /** Feeds a chunk; throws FramingError when the stream cannot be framed any more (close it). */
  push(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    for (;;) {
      if (!this.#need) {
        const skipped = this.#skipCrlf();
        if (skipped >= 4) this.#sink.ping?.();
        if (this.#buf.length === 0) return;
        const end = this.#buf.indexOf(CRLF2);
        if (end < 0) {
          if (this.#buf.length > MAX_HEADER_BYTES)
            throw new FramingError('header section too long');
          return;
        }
        this.#need = { headEnd: end + 4, length: contentLength(this.#buf.subarray(0, end)) };
      }
      const total = this.#need.headEnd + this.#need.length;
      if (this.#buf.length < total) return;
      const msg = this.#buf.subarray(0, total);
      this.#buf = this.#buf.subarray(total);
      this.#need = undefined;
      this.#sink.message(msg);
    }
  }

  /** Drops leading CRLFs (RFC 3261 §7.5); returns how many bytes were dropped. */
  #skipCrlf(): number {
    let i = 0;
    while (i < this.#buf.length && (this.#buf[i] === 0x0d || this.#buf[i] === 0x0a)) i++;
    // A lone CR at the end may be the start of a CRLF still on its way: harmless to drop.
    if (i) this.#buf = this.#buf.subarray(i);
    return i;
  }
}

/** The Content-Length of a header section (`l` is its compact form); absent means no body. */
function contentLength(head: Buffer): number {
  const text = head.toString('latin1');
  const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(text);
  if (!m) return 0;
  const v = m[1]!.trim();
  if (!/^\d+$/.test(v)) throw new FramingError(`bad Content-Length: ${v.slice(0, 20)}`);
  const n = Number(v);
  if (n > MAX_BODY_BYTES) throw new FramingError(`Content-Length ${n} too large`);
  return n;
}
