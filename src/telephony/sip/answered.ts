import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { flowCallEnd, invalidFlowCallEnd } from '../../ivr/call-end.ts';
import { parseFlow } from '../../ivr/flow.ts';
import { runFlow } from '../../ivr/interpreter.ts';
import type { ResolvedTarget, TransferResult } from '../../ivr/media.ts';
import { after, sendBye, type CallContext, type SipCall } from './call.ts';
import { SIP_DEFAULTS } from './config.ts';
import { RtpSession } from './media/session.ts';
import type { SipResponse } from './message.ts';
import { parseSdp } from './sdp.ts';

/**
 * An answered call (its 2xx ACKed): the RTP session towards the callee's SDP, then the flow —
 * the empty flow holds the call, an invalid one hangs up, a flow runs in the IVR interpreter with
 * this session as its media (prompts, digits, recording, REFER transfers) under `maxDurationSec`.
 */
export function onAnswered(ctx: CallContext, call: SipCall, res: SipResponse): void {
  call.state = 'answered';
  for (const t of call.timers) t.cancel();
  call.timers = [];
  const sdp = parseSdp(res.body);
  const at = ctx.sched.now();
  const flow = parseFlow(call.req.flow);
  const recordPath = flow.kind === 'flow' && flow.doc.record ? recordingPath(ctx, call) : undefined;
  const session = new RtpSession({
    socket: call.rtp.socket,
    remote: sdp ? { host: sdp.address, port: sdp.port } : undefined,
    dtmfPt: sdp?.dtmfPt,
    pacer: ctx.pacer,
    prompts: ctx.prompts,
    sched: ctx.sched,
    recordPath,
    signal: { hangup: () => sendBye(ctx, call), transfer: (t) => transfer(ctx, call, t) },
  });
  call.session = session;
  void (async () => {
    await call.events.answered(at);
    if (call.state !== 'answered') return;
    if (flow.kind === 'empty') return hold(ctx, call, session);
    if (flow.kind === 'invalid') {
      await session.hangup();
      return ctx.finish(call, invalidFlowCallEnd(flow.errors, at));
    }
    const limit =
      (flow.doc.maxDurationSec ?? ctx.config.maxCallSec ?? SIP_DEFAULTS.maxCallSec) * 1000;
    call.timers.push(after(ctx, limit, () => void session.hangup()));
    const recording = flow.doc.record ? session.startRecording() : undefined;
    const outcome = await runFlow(flow.doc, {
      session,
      callId: call.req.callId,
      from: call.req.from,
      to: call.req.to,
      callData: call.req.callData,
      ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
    });
    const end = flowCallEnd(outcome, ctx.sched.now(), {
      recording: recording ? { file: recording, durationSec: 0 } : undefined,
    });
    if (session.errors.length) end.detail = { ...end.detail, mediaErrors: session.errors };
    ctx.finish(call, end);
  })().catch((err: unknown) => {
    ctx.log?.error({ err, callId: call.req.callId }, 'sip flow failed');
    sendBye(ctx, call);
    ctx.finish(call, {
      result: 'system_error',
      at: ctx.sched.now(),
      detail: { ending: 'error', error: String(err) },
    });
  });
}

/** The empty flow: hold until the callee hangs up, or holdSec / maxCallSec pass. */
async function hold(ctx: CallContext, call: SipCall, session: RtpSession): Promise<void> {
  const sec = ctx.config.holdSec ?? ctx.config.maxCallSec ?? SIP_DEFAULTS.maxCallSec;
  await session.wait(sec * 1000);
  const byCallee = session.hungUp;
  if (!byCallee) await session.hangup();
  ctx.finish(call, {
    result: 'success',
    at: ctx.sched.now(),
    detail: { ending: byCallee ? 'customer_hangup' : 'flow_end' },
  });
}

function recordingPath(ctx: CallContext, call: SipCall): string {
  const dir = join(
    ctx.config.recordingsDir ?? SIP_DEFAULTS.recordingsDir,
    ctx.sched.now().toISOString().slice(0, 10),
  );
  mkdirSync(dir, { recursive: true });
  return join(dir, `${call.req.callId.replace(/[^A-Za-z0-9_.-]/g, '_')}.wav`);
}

/** A blind transfer: REFER, then the NOTIFY with its final status (./in-dialog.ts) settles it. */
function transfer(ctx: CallContext, call: SipCall, t: ResolvedTarget): Promise<TransferResult> {
  const uri =
    'skillQueue' in t
      ? (ctx.config.skillQueueUri ?? `sip:{queue}@${ctx.domain}`).replace(
          '{queue}',
          encodeURIComponent(t.skillQueue),
        )
      : `sip:${encodeURIComponent(t.number).replace(/%2B/g, '+')}@${ctx.domain}`;
  return new Promise((resolve) => {
    const settle = (r: TransferResult) => {
      if (!call.transfer) return;
      call.transfer.timer?.cancel();
      call.transfer = undefined;
      if (r.ok) sendBye(ctx, call);
      resolve(r);
    };
    call.transfer = { resolve: settle };
    const refer = call.dialog.request('REFER', [
      ['Refer-To', `<${uri}>`],
      ['Referred-By', `<${call.dialog.fromValue.slice(1, call.dialog.fromValue.indexOf('>'))}>`],
    ]);
    ctx.stack.request(refer, ctx.trunk, {
      final: (res) => {
        if (res.status >= 300)
          return settle({ ok: false, detail: `REFER ${res.status} ${res.reason}` });
        // Accepted: the NOTIFY with the transfer's final status settles it.
        if (call.transfer)
          call.transfer.timer = after(
            ctx,
            (ctx.config.transferWaitSec ?? SIP_DEFAULTS.transferWaitSec) * 1000,
            () => settle({ ok: true, detail: `REFER ${res.status} (no final NOTIFY)` }),
          );
      },
      timeout: () => settle({ ok: false, detail: 'REFER timed out' }),
    });
  });
}
