import type { SipCall } from './call.ts';
import { header, responseTo, type SipRequest } from './message.ts';
import { parseSdp } from './sdp.ts';
import { newTag, type Endpoint, type SipStack } from './stack.ts';

/**
 * Requests the far end sends us. We are a UAC only: in a call's dialog we answer BYE, re-INVITE
 * (with our same offer), NOTIFY (a REFER's progress), INFO (DTMF as `Signal=5`) and OPTIONS;
 * out of any dialog, OPTIONS gets 200 (trunk keepalives) and the rest is refused.
 * Responses go back to the source address and port (RFC 3581 style: NATs and sipp both expect it).
 */
export interface InDialogContext {
  stack: SipStack;
  onBye(call: SipCall): void;
  sdp(call: SipCall): Buffer;
}

const ALLOW: [string, string] = ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER, INFO'];

export function handleInDialog(
  req: SipRequest,
  from: Endpoint,
  call: SipCall | undefined,
  ctx: InDialogContext,
): void {
  const reply = (status: number, reason: string, extra: [string, string][] = [], body?: Buffer) => {
    const res = responseTo(req, status, reason, extra, newTag());
    if (body) res.body = body;
    ctx.stack.respond(req, res, from);
  };
  if (req.method === 'ACK') return;
  if (req.method === 'OPTIONS') return reply(200, 'OK', [ALLOW]);
  const mine = call && call.state !== 'gone' && call.dialog.matches(req) ? call : undefined;
  if (!mine) {
    if (req.method === 'INVITE') return reply(603, 'Decline');
    return reply(481, 'Call/Transaction Does Not Exist');
  }
  switch (req.method) {
    case 'BYE':
      reply(200, 'OK');
      return ctx.onBye(mine);
    case 'INVITE': {
      // A session refresh or a media move: our side stays the same (same offer); theirs may move.
      const sdp = req.body.length ? parseSdp(req.body) : undefined;
      // c=0.0.0.0 is the old way of saying "hold": keep sending where we did.
      if (sdp && sdp.address !== '0.0.0.0')
        mine.session?.updateRemote({ host: sdp.address, port: sdp.port });
      return reply(
        200,
        'OK',
        [
          ['Contact', mine.dialog.contact()],
          ['Content-Type', 'application/sdp'],
        ],
        ctx.sdp(mine),
      );
    }
    case 'NOTIFY': {
      reply(200, 'OK');
      const m = /^SIP\/2\.0 (\d{3})(.*)$/m.exec(req.body.toString());
      if (mine.transfer && m && Number(m[1]) >= 200) {
        const status = Number(m[1]);
        mine.transfer.resolve({ ok: status < 300, detail: `NOTIFY ${status}${m[2] ?? ''}`.trim() });
      }
      return;
    }
    case 'INFO': {
      reply(200, 'OK');
      const d = /Signal\s*=\s*([0-9*#A-D])/i.exec(req.body.toString());
      if (d && (header(req, 'content-type') ?? '').includes('dtmf'))
        mine.session?.digit(d[1]!.toUpperCase());
      return;
    }
    case 'CANCEL':
      return reply(481, 'Call/Transaction Does Not Exist');
    default:
      return reply(501, 'Not Implemented', [ALLOW]);
  }
}
