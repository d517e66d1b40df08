import {
  header,
  headers,
  params,
  parseCSeq,
  uriOf,
  type SipRequest,
  type SipResponse,
} from './message.ts';
import { newBranch, type Endpoint } from './stack.ts';

/**
 * The UAC side of one call's dialog (RFC 3261 §12): identifiers, CSeq, remote target and route
 * set, and the requests built from them. Requests always go to the trunk (our outbound proxy);
 * the Request-URI and Route headers carry the dialog's own routing.
 */
export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly local: Endpoint;
  readonly transport: 'UDP' | 'TCP';
  readonly fromValue: string;
  toValue: string;
  remoteTarget: string;
  routeSet: string[] = [];
  cseq = 1;
  /** The 2xx's ACK, kept to answer retransmitted 2xx. */
  ack: SipRequest | undefined;

  constructor(o: {
    callId: string;
    localTag: string;
    local: Endpoint;
    /** Default UDP. */
    transport?: 'UDP' | 'TCP';
    from: string;
    to: string;
    requestUri: string;
  }) {
    this.callId = o.callId;
    this.localTag = o.localTag;
    this.local = o.local;
    this.transport = o.transport ?? 'UDP';
    this.fromValue = `<${o.from}>;tag=${o.localTag}`;
    this.toValue = `<${o.to}>`;
    this.remoteTarget = o.requestUri;
  }

  get remoteTag(): string | undefined {
    return params(this.toValue).tag;
  }

  via(): string {
    const h = this.local.host.includes(':') ? `[${this.local.host}]` : this.local.host;
    // rport (RFC 3581) is for UDP: on TCP responses come back on the request's connection.
    const rport = this.transport === 'UDP' ? ';rport' : '';
    return `SIP/2.0/${this.transport} ${h}:${this.local.port};branch=${newBranch()}${rport}`;
  }

  contact(): string {
    const h = this.local.host.includes(':') ? `[${this.local.host}]` : this.local.host;
    const t = this.transport === 'UDP' ? '' : `;transport=${this.transport.toLowerCase()}`;
    return `<sip:outbound@${h}:${this.local.port}${t}>`;
  }

  request(
    method: string,
    extra: [string, string][] = [],
    body?: Buffer,
    cseq?: number,
  ): SipRequest {
    const hs: [string, string][] = [
      ['Via', this.via()],
      ['Max-Forwards', '70'],
      ['From', this.fromValue],
      ['To', this.toValue],
      ['Call-ID', this.callId],
      ['CSeq', `${cseq ?? ++this.cseq} ${method}`],
    ];
    for (const r of this.routeSet) hs.push(['Route', r]);
    if (method !== 'ACK' && method !== 'CANCEL') hs.push(['Contact', this.contact()]);
    hs.push(...extra);
    return {
      kind: 'request',
      method,
      uri: this.remoteTarget,
      headers: hs,
      body: body ?? Buffer.alloc(0),
    };
  }

  /** A 2xx to INVITE established the dialog: remote tag, target and route set (§12.1.2). */
  confirm(res: SipResponse): void {
    this.toValue = header(res, 'to') ?? this.toValue;
    const contact = headers(res, 'contact')[0];
    if (contact) this.remoteTarget = uriOf(contact);
    this.routeSet = headers(res, 'record-route').reverse();
  }

  /** True when an in-dialog request from the far end belongs to this dialog. */
  matches(req: SipRequest): boolean {
    const tag = params(header(req, 'from') ?? '').tag;
    return (
      header(req, 'call-id') === this.callId &&
      (tag === undefined || this.remoteTag === undefined || tag === this.remoteTag)
    );
  }
}

/** CANCEL of a pending INVITE: same branch, Request-URI, Call-ID, From, To and CSeq number (§9.1). */
export function cancelFor(invite: SipRequest): SipRequest {
  const hs: [string, string][] = [
    ['Via', headers(invite, 'via')[0]!],
    ['Max-Forwards', '70'],
    ['From', header(invite, 'from')!],
    ['To', header(invite, 'to')!],
    ['Call-ID', header(invite, 'call-id')!],
    ['CSeq', `${parseCSeq(header(invite, 'cseq')).seq} CANCEL`],
  ];
  for (const r of headers(invite, 'route')) hs.push(['Route', r]);
  return { kind: 'request', method: 'CANCEL', uri: invite.uri, headers: hs, body: Buffer.alloc(0) };
}
