import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './sipp.ts';

/**
 * kamailio (Debian package `kamailio`) as the trunk: a proxy that challenges every INVITE with
 * a 407 digest (auth module, one plain-text password), record-routes, and relays to a phone.
 */
export const PROXY_HOST = '127.0.0.4';
export const hasKamailio = spawnSync('kamailio', ['-v'], { stdio: 'ignore' }).error === undefined;
export const KAMAILIO_SKIP =
  'kamailio is not installed (apt-get install -y kamailio): tests through a SIP proxy skipped';
if (!hasKamailio) console.warn(KAMAILIO_SKIP);

export interface Kamailio {
  port: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startKamailio(o: {
  password: string;
  to: { host: string; port: number };
}): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'outbound-kamailio-'));
  const port = await freePort(PROXY_HOST);
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(
    cfg,
    `#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
disable_tcp=yes
auto_aliases=no
listen=udp:${PROXY_HOST}:${port}
mpath="${modulesDir()}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "auth.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "xlog.so"

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK") && t_check_trans()) { t_relay(); exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
  if (is_method("INVITE")) {
    if (!pv_proxy_authenticate("outbound.test", "${o.password}", "0")) {
      xlog("L_NOTICE", "challenging $rm from $si\\n");
      auth_challenge("outbound.test", "0");
      exit;
    }
    consume_credentials();
    xlog("L_NOTICE", "authenticated $rm for $rU\\n");
  }
  record_route();
  $du = "sip:${o.to.host}:${o.to.port}";
  if (!t_relay()) sl_reply_error();
}
`,
  );
  const proc: ChildProcess = spawn(
    'kamailio',
    ['-f', cfg, '-DD', '-E', '-P', join(dir, 'pid'), '-Y', dir, '-w', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const onOut = (d: Buffer) => (log = (log + d.toString()).slice(-50000));
  proc.stdout!.on('data', onOut);
  proc.stderr!.on('data', onOut);
  // Up once it answers: an OPTIONS with Max-Forwards 0 gets its 483 (probing by binding the port
  // ourselves could take it from kamailio while it starts).
  const deadline = Date.now() + 8000;
  while (!(await answers(port))) {
    if (proc.exitCode !== null) throw new Error(`kamailio exited: ${log}`);
    if (Date.now() > deadline) throw new Error(`kamailio did not start: ${log}`);
  }
  return {
    port,
    log: () => log,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Sends one OPTIONS (Max-Forwards 0) and resolves whether any response came within 100 ms. */
async function answers(port: number): Promise<boolean> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const me = sock.address().port;
  const req = [
    `OPTIONS sip:probe@${PROXY_HOST}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK${Math.random().toString(36).slice(2)}`,
    'Max-Forwards: 0',
    `From: <sip:probe@127.0.0.1>;tag=p`,
    `To: <sip:probe@${PROXY_HOST}>`,
    `Call-ID: probe-${Math.random().toString(36).slice(2)}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 100);
    sock.once('message', () => done(true));
    sock.send(req, port, PROXY_HOST);
  });
}

/** Debian installs the modules under the architecture's triplet (x86_64-linux-gnu, aarch64-…). */
function modulesDir(): string {
  const multiarch = readdirSync('/usr/lib').map((d) => `/usr/lib/${d}/kamailio/modules/`);
  return (
    [...multiarch, '/usr/lib/kamailio/modules/'].find((d) => existsSync(d)) ??
    '/usr/lib/kamailio/modules/'
  );
}
