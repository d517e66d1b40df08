import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowDocument } from '../../src/ivr/flow.ts';
import type { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { decode, encode } from '../../src/telephony/sip/media/mulaw.ts';
import { readWav } from '../../src/telephony/sip/media/wav.ts';
import { adapter, dial, hasSipp, startSipp, type Sipp } from './sipp.ts';

const PCAPS = '/usr/share/sip-tester';
const hasTts =
  spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' }).error === undefined &&
  spawnSync('sox', ['--version'], { stdio: 'ignore' }).error === undefined;

let tel: SipTelephony | undefined;
let sipp: Sipp | undefined;
afterEach(async () => {
  await tel?.close();
  sipp?.kill();
  tel = sipp = undefined;
});

/** 1 s of a 440 Hz tone then 1 s of 880 Hz, as raw µ-law (what sipp's rtp_stream sends). */
function toneFile(dir: string): { path: string; sent: Int16Array } {
  const pcm = Int16Array.from({ length: 16000 }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * (i < 8000 ? 440 : 880) * i) / 8000)),
  );
  const ulaw = encode(pcm);
  const path = join(dir, 'tone.ulaw');
  writeFileSync(path, ulaw);
  return { path, sent: decode(ulaw) };
}

describe.skipIf(!hasSipp)('sip media against sipp: RTP, RFC 4733 digits, recording', () => {
  it('collects digits from sipp captures (a repeated digit too) with barge-in, and records the audio sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbound-media-'));
    const tone = toneFile(dir);
    sipp = await startSipp(
      'media',
      {},
      {
        fill: {
          pcap1: `${PCAPS}/dtmf_2833_1.pcap`,
          pcap2: `${PCAPS}/dtmf_2833_1.pcap`,
          pcap3: `${PCAPS}/dtmf_2833_pound.pcap`,
          stream: tone.path,
        },
      },
    );
    tel = await adapter(sipp.port, { recordingsDir: dir, promptCacheDir: join(dir, 'cache') });
    const prompt = hasTts
      ? { text: 'Please enter your code, then hash.' }
      : { file: join(dir, 'none.wav') };
    const flow: FlowDocument = {
      record: true,
      nodes: [
        {
          id: 'code',
          type: 'collect',
          prompt,
          max: 4,
          terminator: '#',
          timeoutSec: 5,
          next: 'listen',
        },
        { id: 'listen', type: 'collect', max: 1, timeoutSec: 2.8 },
      ],
    };
    const { end } = await dial(tel, { flow: flow as unknown as Record<string, unknown> });
    expect(end.result).toBe('success');
    expect(end.digits).toBe('11');
    const detail = end.detail as {
      ending: string;
      variables: Record<string, string>;
      recording: { file: string };
    };
    expect(detail).toMatchObject({ ending: 'flow_end', variables: { code: '11', listen: '' } });
    expect(await sipp.exit, sipp.output()).toBe(0);

    // The recording holds the tone exactly as sent (µ-law decoded), placed by RTP timestamp.
    const rec = readWav(readFileSync(detail.recording.file));
    expect(rec.sampleRate).toBe(8000);
    const at = indexOf(rec.samples, tone.sent.subarray(0, 160));
    expect(at).toBeGreaterThanOrEqual(0);
    const got = rec.samples.subarray(at, at + tone.sent.length);
    let same = 0;
    for (let i = 0; i < got.length; i++) if (got[i] === tone.sent[i]) same++;
    expect(same / tone.sent.length).toBeGreaterThan(0.98);
  });
});

function indexOf(hay: Int16Array, needle: Int16Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
