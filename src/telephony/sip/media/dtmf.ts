/**
 * RFC 4733 telephone-event decoding: one digit per event, whatever the retransmissions.
 *
 * An event is sent as many packets sharing one RTP timestamp, and its end packet (E bit) three
 * times. A new event normally has a new timestamp, but some senders press the same digit again
 * reusing timestamp, sequence and even SSRC: a packet with the marker bit after an ended event
 * starts a new digit. DTMF may also come with its own SSRC, so state is kept per SSRC.
 */
const EVENTS = '0123456789*#ABCD';

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

export function digitOf(event: number): string | undefined {
  return EVENTS[event];
}

interface StreamState {
  timestamp: number;
  event: number;
  ended: boolean;
}

export class DtmfDecoder {
  readonly #streams = new Map<number, StreamState>();

  /** Feeds one telephone-event packet; returns the digit when this packet starts a new one. */
  push(p: {
    ssrc: number;
    timestamp: number;
    marker: boolean;
    payload: Buffer;
  }): string | undefined {
    const ev = parseTelephoneEvent(p.payload);
    if (!ev) return undefined;
    const digit = digitOf(ev.event);
    const st = this.#streams.get(p.ssrc);
    const isNew =
      !st || st.timestamp !== p.timestamp || st.event !== ev.event || (p.marker && st.ended);
    if (isNew) {
      this.#streams.set(p.ssrc, { timestamp: p.timestamp, event: ev.event, ended: ev.end });
      return digit;
    }
    if (ev.end) st.ended = true;
    return undefined;
  }
}
