import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flowCallEnd, invalidFlowCallEnd } from '../../ivr/call-end.ts';
import { parseFlow } from '../../ivr/flow.ts';
import { runFlow } from '../../ivr/interpreter.ts';
import type { ResolvedTarget, TransferResult } from '../../ivr/media.ts';
import { detectMachine, leaveMessage, machineEnd } from './amd-call.ts';
import { after, sendBye, type CallContext, type SipCall } from './call.ts';
import { SIP_DEFAULTS } from './config.ts';
import { RtpSession } from './media/session.ts';
import type { SipResponse } from './message.ts';
import type { CallEnd } from '../port.ts';
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
    recogniser: ctx.recogniser,
    ...(ctx.config.hearing ? { hearing: ctx.config.hearing } : {}),
    sched: ctx.sched,
    recordPath,
    signal: { hangup: () => sendBye(ctx, call), transfer: (t) => transfer(ctx, call, t) },
  });
  call.session = session;
  void runAnswered(ctx, call, session, flow, at).catch(async (err: unknown) => {
    ctx.log?.error({ err, callId: call.req.callId }, 'sip flow failed');
    sendBye(ctx, call);
    const recording = await session.stopRecording();
    ctx.finish(call, {
      result: 'system_error',
      at: ctx.sched.now(),
      detail: { ending: 'error', error: String(err), ...(recording ? { recording } : {}) },
    });
  });
}

async function runAnswered(
  ctx: CallContext,
  call: SipCall,
  session: RtpSession,
  flow: ReturnType<typeof parseFlow>,
  at: Date,
): Promise<void> {
  await call.events.answered(at);
  if (call.state !== 'answered') return;
  // Recorded from the answer: the greeting AMD heard (and a message left) is in the recording.
  if (flow.kind === 'flow' && flow.doc.record) session.startRecording();
  const amd = call.req.amd;
  if (amd?.enabled) {
    call.amd = await detectMachine(ctx, session, amd);
    if (call.amd.decision === 'machine' && amd.action !== 'continue' && !session.hungUp) {
      if (amd.action === 'leave_message')
        call.amd = await leaveMessage(ctx, session, amd, call.amd);
      else await session.hangup();
      const recording = await session.stopRecording();
      const end = machineEnd(ctx.sched.now(), recording ? { recording } : {});
      return ctx.finish(call, withCause(call, end));
    }
    // A human, notsure, `continue`, or a call that ended during the analysis: the flow runs (on
    // an ended call it stops at once and reports as usual).
  }
  if (flow.kind === 'empty') return hold(ctx, call, session);
  if (flow.kind === 'invalid') {
    await session.hangup();
    return ctx.finish(call, invalidFlowCallEnd(flow.errors, at));
  }
  const limit =
    (flow.doc.maxDurationSec ?? ctx.config.maxCallSec ?? SIP_DEFAULTS.maxCallSec) * 1000;
  call.timers.push(after(ctx, limit, () => void session.hangup()));
  const outcome = await runFlow(flow.doc, {
    session,
    callId: call.req.callId,
    from: call.req.from,
    to: call.req.to,
    callData: call.req.callData,
    ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
  });
  // The recording is closed (its length known) before the end is reported: whoever reads the
  // attempt can open the file at once.
  const recording = await session.stopRecording();
  const end = flowCallEnd(outcome, ctx.sched.now(), { recording });
  if (session.errors.length) end.detail = { ...end.detail, mediaErrors: session.errors };
  ctx.finish(call, withCause(call, end));
}

/** The empty flow: hold until the callee hangs up, or holdSec / maxCallSec pass. */
async function hold(ctx: CallContext, call: SipCall, session: RtpSession): Promise<void> {
  const sec = ctx.config.holdSec ?? ctx.config.maxCallSec ?? SIP_DEFAULTS.maxCallSec;
  await session.wait(sec * 1000);
  const byCallee = session.hungUp;
  if (!byCallee) await session.hangup();
  ctx.finish(
    call,
    withCause(call, {
      result: 'success',
      at: ctx.sched.now(),
      detail: { ending: byCallee ? 'customer_hangup' : 'flow_end' },
    }),
  );
}

/** How long a flow may take to notice the call ended (a robot's HTTP turn) before we stop waiting. */
export const FLOW_GRACE_MS = 10_000;

/**
 * An answered call ends from outside its flow: the callee's BYE, the engine's hang-up, or the
 * loss of the trunk connection. The session stops (prompts, collects and waits resolve at once),
 * a pending transfer settles, and the flow finishes on its own — its outcome (digits, answers,
 * path, variables, robot turns, recording) is what gets reported, with `cause` saying how the
 * call ended. A flow that does not finish within FLOW_GRACE_MS is reported without its outcome.
 */
export function endAnswered(ctx: CallContext, call: SipCall, cause?: SipCall['endCause']): void {
  const session = call.session;
  if (!session || call.state !== 'answered') return;
  if (cause && !call.endCause) call.endCause = cause;
  const t = call.transfer;
  // REFER accepted but the NOTIFY with its final status never came: not a confirmed transfer.
  t?.resolve({ ok: false, detail: t.accepted ? 'transfer_unconfirmed' : 'call ended' });
  const first = !session.hungUp;
  if (cause) void session.hangup();
  else session.remoteHangup();
  if (first)
    call.timers.push(
      after(ctx, FLOW_GRACE_MS, () => {
        void session.stopRecording().then((recording) =>
          ctx.finish(
            call,
            withCause(call, {
              result: 'success',
              at: ctx.sched.now(),
              detail: {
                ending: 'customer_hangup',
                error: 'the flow did not finish after the call ended',
                ...(recording ? { recording } : {}),
              },
            }),
          ),
        );
      }),
    );
}

/** The end of an answered call, told how it ended when the engine or the transport ended it. */
function withCause(call: SipCall, end: CallEnd): CallEnd {
  const c = call.endCause;
  if (!c) return end;
  if (c.ending === 'engine_hangup') {
    const ending = end.detail?.ending;
    // The flow saw its session hang up and calls that the customer's: say who did it instead.
    if (ending !== 'customer_hangup' && ending !== 'flow_end') return end;
    return { ...end, detail: { ...end.detail, ending: 'engine_hangup' } };
  }
  return {
    ...end,
    result: 'system_error',
    detail: { ...end.detail, ending: c.ending, sip: 'transport', error: c.error },
  };
}

function recordingPath(ctx: CallContext, call: SipCall): string {
  // Absolute: the path is stored on the attempt and read by other processes (the API serving it).
  const dir = join(
    resolve(ctx.config.recordingsDir ?? SIP_DEFAULTS.recordingsDir),
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
        // Accepted: the NOTIFY with the transfer's final status settles it; without it we
        // cannot tell the customer reached the queue, so it does not count as transferred.
        if (call.transfer) call.transfer.accepted = true;
        if (call.transfer)
          call.transfer.timer = after(
            ctx,
            (ctx.config.transferWaitSec ?? SIP_DEFAULTS.transferWaitSec) * 1000,
            () => settle({ ok: false, detail: 'transfer_unconfirmed' }),
          );
      },
      timeout: () => settle({ ok: false, detail: 'REFER timed out' }),
    });
  });
}
