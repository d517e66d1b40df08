import { randomBytes } from 'node:crypto';
import type { ResultName } from '../../domain/result-codes.ts';
import type { CallEvents, CallRequest } from '../port.ts';
import { onAnswered } from './answered.ts';
import { after, sendBye, sipUser, type CallContext, type SipCall } from './call.ts';
import { SIP_DEFAULTS } from './config.ts';
import { cancelFor, Dialog } from './dialog.ts';
import { authorize, parseChallenge } from './digest.ts';
import type { RtpPorts } from './media/ports.ts';
import { header, parseCSeq, type SipResponse } from './message.ts';
import { endOfFinal, isChallenge } from './results.ts';
import { sdpOffer } from './sdp.ts';
import { newTag } from './stack.ts';

/**
 * A call until its answer: the INVITE to the trunk, its provisional and final responses (a
 * challenge answered once with the trunk credentials), and giving up — `maxRingSec` without an
 * answer or our hang-up — with CANCEL (reported at once, the INVITE transaction cleaned up behind
 * it, with a guard if the CANCEL is never answered).
 */
export function newCall(
  ctx: CallContext,
  req: CallRequest,
  events: CallEvents,
  rtp: RtpPorts,
): SipCall {
  const target = `sip:${sipUser(req.to)}@${ctx.domain}`;
  const fromUri = `sip:${sipUser(req.from)}@${ctx.domain}`;
  const dialog = new Dialog({
    callId: `${randomBytes(12).toString('hex')}@outbound`,
    localTag: newTag(),
    local: ctx.stack.local,
    transport: ctx.stack.transport.name,
    from: fromUri,
    to: target,
    requestUri: target,
  });
  const sdp = sdpOffer({
    address: ctx.config.media.advertise ?? ctx.config.media.address,
    port: rtp.port,
    sessionId: Date.now() % 1e9,
  });
  const inviteExtra: [string, string][] = [
    ['P-Asserted-Identity', `<${fromUri}>`],
    ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER, INFO'],
    ['User-Agent', ctx.config.userAgent ?? SIP_DEFAULTS.userAgent],
    ['X-Outbound-Call', req.callId],
    ['Content-Type', 'application/sdp'],
  ];
  return {
    req,
    events,
    dialog,
    invite: dialog.request('INVITE', inviteExtra, sdp, 1),
    inviteExtra,
    state: 'calling',
    provisional: false,
    responded: false,
    cancelled: false,
    authTries: 0,
    reported: false,
    byeSent: false,
    timers: [],
    rtp,
  };
}

/** Sends the call's INVITE and arms our Timer C (maxRingSec → CANCEL, the ring timeout). */
export function dial(ctx: CallContext, call: SipCall): void {
  call.timers.push(after(ctx, call.req.maxRingSec * 1000, () => giveUp(ctx, call, 'ring_timeout')));
  sendInvite(ctx, call);
}

function sendInvite(ctx: CallContext, call: SipCall): void {
  call.inviteTxn = ctx.stack.request(call.invite, ctx.trunk, {
    provisional: (res) => onProvisional(ctx, call, res),
    final: (res) => onFinal(ctx, call, res),
    timeout: () =>
      ctx.finish(call, {
        result: 'system_error',
        at: ctx.sched.now(),
        detail: { sip: 'timeout', error: 'no response from the trunk (Timer B)' },
      }),
    transportError: (err) =>
      ctx.finish(call, {
        result: 'system_error',
        at: ctx.sched.now(),
        detail: { sip: 'transport', error: `connection to the trunk lost: ${String(err)}` },
      }),
  });
}

function onProvisional(ctx: CallContext, call: SipCall, res: SipResponse): void {
  call.responded = true;
  // Any provisional response, 100 included, allows a CANCEL (RFC 3261 §9.1); only 18x rings.
  call.provisional = true;
  if (res.status !== 100 && call.state === 'calling') call.state = 'ringing';
  if (call.cancelled) sendCancel(ctx, call);
}

function onFinal(ctx: CallContext, call: SipCall, res: SipResponse): void {
  call.responded = true;
  if (res.status >= 200 && res.status < 300) return onSuccess(ctx, call, res);
  if (
    isChallenge(res.status) &&
    ctx.config.credentials &&
    call.authTries === 0 &&
    !call.cancelled
  ) {
    call.authTries++;
    const name = res.status === 401 ? 'www-authenticate' : 'proxy-authenticate';
    const challenge = header(res, name);
    if (challenge) {
      const auth = authorize(parseChallenge(challenge), {
        ...ctx.config.credentials,
        method: 'INVITE',
        uri: call.invite.uri,
      });
      // Same Call-ID and From tag, next CSeq, new branch (§22.2).
      call.invite = call.dialog.request(
        'INVITE',
        [...call.inviteExtra, [res.status === 401 ? 'Authorization' : 'Proxy-Authorization', auth]],
        call.invite.body,
      );
      return sendInvite(ctx, call);
    }
  }
  if (call.cancelled) return ctx.drop(call);
  ctx.finish(call, endOfFinal(res, call.authTries > 0, ctx.sched.now()));
}

/** A 2xx: ACK it (again, for a retransmission), then the answered call runs its flow. */
function onSuccess(ctx: CallContext, call: SipCall, res: SipResponse): void {
  if (call.dialog.ack) {
    // A retransmitted 2xx: our ACK was lost.
    ctx.stack.send(call.dialog.ack, ctx.trunk);
    return;
  }
  call.dialog.confirm(res);
  call.dialog.ack = call.dialog.request(
    'ACK',
    [],
    undefined,
    parseCSeq(header(call.invite, 'cseq')).seq,
  );
  ctx.stack.send(call.dialog.ack, ctx.trunk);
  if (call.cancelled || call.state === 'gone') {
    // Answered as we gave up: the call is already reported; end it on the wire too.
    sendBye(ctx, call);
    return ctx.drop(call);
  }
  onAnswered(ctx, call, res);
}

function sendCancel(ctx: CallContext, call: SipCall): void {
  if (!call.provisional || call.state === 'answered') return;
  ctx.stack.request(cancelFor(call.invite), ctx.trunk, {
    final: () => undefined,
    timeout: () => undefined,
  });
  // The CANCEL guard: a peer that never answers the INVITE after our CANCEL would leave the
  // transaction in Proceeding forever (it has no Timer B there).
  call.timers.push(after(ctx, 64 * ctx.stack.t1, () => ctx.drop(call)));
}

/** We stop waiting for an answer: reported at once as `result`; CANCEL when RFC 3261 allows. */
export function giveUp(ctx: CallContext, call: SipCall, result: ResultName): void {
  if (call.state === 'answered' || call.state === 'gone' || call.cancelled) return;
  call.cancelled = true;
  // Not a single response (not even 100 Trying) by the ring limit: the trunk is dead or
  // unreachable, which is a transport failure (product.md §6), not a customer who did not answer.
  if (result === 'ring_timeout' && !call.responded)
    ctx.report(call, {
      result: 'system_error',
      at: ctx.sched.now(),
      detail: { sip: 'no response' },
    });
  else
    ctx.report(call, {
      result,
      at: ctx.sched.now(),
      detail: { sip: call.provisional ? 'cancelled' : 'no provisional response' },
    });
  if (call.provisional) sendCancel(ctx, call);
  // Without a provisional, RFC 3261 §9.1 forbids CANCEL: wait for one, or for Timer B.
}
