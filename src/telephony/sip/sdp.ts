/**
 * SDP (RFC 4566) for one audio stream: our offer is PCMU/8000 with telephone-event (RFC 4733);
 * from the answer we need the address, port and the payload type the far end uses for DTMF.
 */
export const PCMU = 0;
export const DEFAULT_DTMF_PT = 101;

export function sdpOffer(o: {
  address: string;
  port: number;
  sessionId: number;
  dtmfPt?: number;
}): Buffer {
  const pt = o.dtmfPt ?? DEFAULT_DTMF_PT;
  const ip = o.address.includes(':') ? 'IP6' : 'IP4';
  return Buffer.from(
    [
      'v=0',
      `o=outbound ${o.sessionId} ${o.sessionId} IN ${ip} ${o.address}`,
      's=outbound',
      `c=IN ${ip} ${o.address}`,
      't=0 0',
      `m=audio ${o.port} RTP/AVP ${PCMU} ${pt}`,
      `a=rtpmap:${PCMU} PCMU/8000`,
      `a=rtpmap:${pt} telephone-event/8000`,
      `a=fmtp:${pt} 0-15`,
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n'),
  );
}

export interface SdpAnswer {
  address: string;
  port: number;
  payloads: number[];
  dtmfPt: number | undefined;
}

/** The first audio stream of an answer, or undefined when there is none we can use. */
export function parseSdp(body: Buffer | string): SdpAnswer | undefined {
  const lines = body.toString().split(/\r?\n/);
  let sessionAddr: string | undefined;
  let media: SdpAnswer | undefined;
  let inAudio = false;
  for (const l of lines) {
    if (l.startsWith('c=')) {
      const addr = l.split(/\s+/)[2];
      if (inAudio && media) media.address = addr ?? media.address;
      else if (!media) sessionAddr = addr;
    } else if (l.startsWith('m=')) {
      if (media) break;
      const [kind, port, , ...fmts] = l.slice(2).trim().split(/\s+/);
      inAudio = kind === 'audio';
      if (inAudio)
        media = {
          address: sessionAddr ?? '',
          port: Number(port),
          payloads: fmts.map(Number),
          dtmfPt: undefined,
        };
    } else if (inAudio && media && /^a=rtpmap:\d+ telephone-event\//i.test(l)) {
      media.dtmfPt = Number(/^a=rtpmap:(\d+)/.exec(l)![1]);
    }
  }
  if (!media || !media.address || !(media.port > 0)) return undefined;
  return media;
}
