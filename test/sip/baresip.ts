import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SipConfig } from '../../src/telephony/sip/config.ts';
import { writeWavBuffer } from '../../src/telephony/sip/media/wav.ts';
import { freePort } from './sipp.ts';

/**
 * baresip (Debian package `baresip-core`), a real SIP phone, as the callee: it answers (or rings,
 * with `answer: false`), sends a tone as its voice, and is driven over its ctrl_tcp socket
 * (netstring JSON: `sndcode` presses a key as RFC 4733 events, `hangup` sends BYE, `accept`
 * answers) while its call events come back on the same socket.
 */
export const UA_HOST = '127.0.0.3';

/**
 * The sip adapter's configuration for calling a phone on UA_HOST: `trunk` (the phone, or a proxy
 * before it), our side on loopback, SIP's T1 at 100 ms, then `more`.
 */
export const phoneConfig = (
  trunk: { host: string; port: number },
  more: Partial<SipConfig> = {},
): SipConfig => ({
  trunk,
  domain: UA_HOST,
  bind: { address: '127.0.0.1' },
  media: { address: '127.0.0.1' },
  timers: { t1Ms: 100 },
  ...more,
});
export const hasBaresip = spawnSync('baresip', ['-h'], { stdio: 'ignore' }).error === undefined;
export const BARESIP_SKIP =
  'baresip is not installed (apt-get install -y baresip-core): tests against a real SIP phone skipped';
if (!hasBaresip) console.warn(BARESIP_SKIP);

export interface BaresipEvent {
  type: string;
  id?: string;
  param?: string;
}

export interface Baresip {
  sipPort: number;
  /** Runs a ctrl_tcp command; resolves with baresip's response. */
  command(command: string, params?: string): Promise<{ ok: boolean; data: string }>;
  /** Resolves on the next event of `type` (or one seen already), rejects after `ms`. */
  event(type: string, ms?: number): Promise<BaresipEvent>;
  log(): string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** A tone of `hz` for `sec` seconds as an 8 kHz WAV: what the phone "says". */
function voice(dir: string, hz: number, sec: number): string {
  const pcm = Int16Array.from({ length: 8000 * sec }, (_, i) =>
    Math.round(5000 * Math.sin((2 * Math.PI * hz * i) / 8000)),
  );
  const path = join(dir, 'voice.wav');
  writeFileSync(path, writeWavBuffer(pcm));
  return path;
}

export async function startBaresip(
  o: {
    answer?: boolean;
    user?: string;
    voiceSec?: number;
    rtpTimeoutSec?: number;
    /** An 8 kHz mono WAV to say instead of the tone (recorded speech). */
    voiceFile?: string;
  } = {},
): Promise<Baresip> {
  const dir = mkdtempSync(join(tmpdir(), 'outbound-baresip-'));
  const sipPort = await freePort(UA_HOST);
  const ctrlPort = await freePort(UA_HOST, 'tcp');
  const rtp = 20000 + Math.floor(Math.random() * 20000);
  // aufile ends the call when its file ends: the voice lasts longer than any test call.
  const src = o.voiceFile ?? voice(dir, 300, o.voiceSec ?? 60);
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen ${UA_HOST}:${sipPort}`,
      `net_interface ${UA_HOST}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module ctrl_tcp.so',
      'module_app account.so',
      'module_app menu.so',
      `ctrl_tcp_listen ${UA_HOST}:${ctrlPort}`,
      `audio_source aufile,${src}`,
      `audio_player aufile,${join(dir, 'none.wav')}`,
      `audio_alert aufile,${join(dir, 'none.wav')}`,
      `rtp_ports ${rtp}-${rtp + 40}`,
      // Hangs up a call whose RTP stops for this long (peers and SBCs do the same).
      ...(o.rtpTimeoutSec ? [`rtp_timeout ${o.rtpTimeoutSec}`] : []),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${o.user ?? '1000'}@${UA_HOST}>;regint=0;answermode=${o.answer === false ? 'manual' : 'auto'};audio_codecs=PCMU\n`,
  );
  const proc = spawn('baresip', ['-f', dir, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onOut = (d: Buffer) => (log = (log + d.toString()).slice(-50000));
  proc.stdout!.on('data', onOut);
  proc.stderr!.on('data', onOut);
  const deadline = Date.now() + 5000;
  while (!log.includes('baresip is ready')) {
    if (Date.now() > deadline || proc.exitCode !== null)
      throw new Error(`baresip did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const ctrl = await new Promise<Socket>((resolve, reject) => {
    const s = connect(ctrlPort, UA_HOST, () => resolve(s));
    s.once('error', reject);
  });
  const seen: BaresipEvent[] = [];
  const waiting: { type: string; resolve(e: BaresipEvent): void }[] = [];
  const responses: ((r: { ok: boolean; data: string }) => void)[] = [];
  let buf = '';
  ctrl.on('data', (d: Buffer) => {
    buf += d.toString();
    // Netstrings: `<length>:<json>,`.
    for (let m = /^(\d+):/.exec(buf); m; m = /^(\d+):/.exec(buf)) {
      const len = Number(m[1]);
      const start = m[0].length;
      if (buf.length < start + len + 1) break;
      const msg = JSON.parse(buf.slice(start, start + len)) as Record<string, unknown>;
      buf = buf.slice(start + len + 1);
      if (msg.response) responses.shift()?.({ ok: msg.ok === true, data: String(msg.data) });
      else if (msg.event) {
        const e = msg as unknown as BaresipEvent;
        seen.push(e);
        for (const w of waiting.filter((x) => x.type === e.type)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  });
  return {
    sipPort,
    proc,
    log: () => log,
    command: (command, params) =>
      new Promise((resolve) => {
        responses.push(resolve);
        const j = JSON.stringify({ command, ...(params ? { params } : {}), token: 't' });
        ctrl.write(`${Buffer.byteLength(j)}:${j},`);
      }),
    event: (type, ms = 5000) => {
      const got = seen.find((e) => e.type === type);
      if (got) return Promise.resolve(got);
      return new Promise((resolve, reject) => {
        const w = { type, resolve };
        waiting.push(w);
        setTimeout(() => {
          if (!waiting.includes(w)) return;
          waiting.splice(waiting.indexOf(w), 1);
          reject(new Error(`no baresip ${type} event within ${ms} ms:\n${log.slice(-3000)}`));
        }, ms);
      });
    },
    stop: async () => {
      ctrl.destroy();
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
