/**
 * One real call through the sip adapter: `npx tsx bench/sip/one-call.ts --trunk 127.0.0.2:5060
 * --to 1000 [--from 862188880001] [--flow flow.json] [--bind 127.0.0.1] [--user u --password p]
 * [--tcp]`.
 * Prints the answer time and the call's end (result, digits, detail) as JSON.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { validateFlowDocument } from '../../src/ivr/flow.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';

const { values: a } = parseArgs({
  options: {
    trunk: { type: 'string', default: '127.0.0.2:5060' },
    to: { type: 'string', default: '1000' },
    from: { type: 'string', default: '862188880001' },
    flow: { type: 'string' },
    bind: { type: 'string', default: '127.0.0.1' },
    user: { type: 'string' },
    password: { type: 'string' },
    ring: { type: 'string', default: '20' },
    hold: { type: 'string', default: '2' },
    tcp: { type: 'boolean', default: false },
  },
});
const [host, port] = a.trunk!.split(':');
const flow = a.flow ? (JSON.parse(readFileSync(a.flow, 'utf8')) as Record<string, unknown>) : {};
const errors = validateFlowDocument(flow);
if (errors.length) {
  console.error('invalid flow:', errors);
  process.exit(2);
}
const tel = new SipTelephony({
  scheduler: new RealScheduler((e) => console.error(e)),
  config: {
    trunk: { host: host!, port: Number(port ?? 5060), transport: a.tcp ? 'tcp' : 'udp' },
    bind: { address: a.bind! },
    media: { address: a.bind! },
    holdSec: Number(a.hold),
    ...(a.user ? { credentials: { username: a.user, password: a.password ?? '' } } : {}),
  },
});
await tel.start();
const t0 = Date.now();
tel.originate(
  { callId: `cli-${t0}`, from: a.from!, to: a.to!, maxRingSec: Number(a.ring), flow },
  {
    answered: () => console.log(`answered after ${Date.now() - t0} ms`),
    ended: async (end) => {
      console.log(JSON.stringify({ ...end, afterMs: Date.now() - t0 }, null, 2));
      await tel.close();
    },
  },
);
