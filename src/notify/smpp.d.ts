// The `smpp` package ships no types; this is the part of its API Outbound uses.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  export interface Pdu {
    command: string;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    response(fields?: Record<string, unknown>): Pdu;
  }
  export interface Session extends EventEmitter {
    bind_transmitter(fields: Record<string, unknown>, cb: (pdu: Pdu) => void): void;
    submit_sm(fields: Record<string, unknown>, cb: (pdu: Pdu) => void): void;
    unbind(fields?: Record<string, unknown>, cb?: (pdu: Pdu) => void): void;
    send(pdu: Pdu): void;
    close(cb?: () => void): void;
    destroy(): void;
    pause(): void;
    resume(): void;
  }
  export interface Server extends EventEmitter {
    listen(port: number, host: string, cb?: () => void): void;
    address(): { port: number } | null;
    close(cb?: () => void): void;
  }
  export function connect(
    options: { host: string; port: number; auto_enquire_link_period?: number },
    listener?: () => void,
  ): Session;
  export function createServer(
    options: Record<string, unknown>,
    listener: (session: Session) => void,
  ): Server;
  export const ESME_ROK: number;
  export const ESME_RBINDFAIL: number;
}
