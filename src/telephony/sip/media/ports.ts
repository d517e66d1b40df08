import { createSocket, type Socket } from 'node:dgram';

/**
 * RTP sockets: one per call, bound before the INVITE so the SDP offer names a port we own.
 * With a configured range, even ports are tried round-robin from where the last call stopped
 * (RTCP would take the odd one above; we send none).
 */
export interface RtpPorts {
  socket: Socket;
  port: number;
  close(): void;
}

let cursor = 0;

function tryBind(address: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve, reject) => {
    const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    s.once('error', (err: NodeJS.ErrnoException) => {
      s.close();
      if (err.code === 'EADDRINUSE') resolve(undefined);
      else reject(err);
    });
    s.bind({ address, port, exclusive: true }, () => {
      s.removeAllListeners('error');
      // Late errors (ICMP) must not crash the process.
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

export async function bindRtp(media: {
  address: string;
  portMin?: number;
  portMax?: number;
}): Promise<RtpPorts> {
  const wrap = (s: Socket): RtpPorts => {
    let closed = false;
    return {
      socket: s,
      port: s.address().port,
      close: () => {
        if (closed) return;
        closed = true;
        s.close();
      },
    };
  };
  if (!media.portMin || !media.portMax) {
    const s = await tryBind(media.address, 0);
    if (!s) throw new Error('no RTP port');
    return wrap(s);
  }
  const first = media.portMin + (media.portMin & 1);
  const count = Math.floor((media.portMax - first) / 2) + 1;
  for (let i = 0; i < count; i++) {
    const port = first + 2 * ((cursor + i) % count);
    const s = await tryBind(media.address, port);
    if (s) {
      cursor = (cursor + i + 1) % count;
      return wrap(s);
    }
  }
  throw new Error(`no free RTP port in ${media.portMin}-${media.portMax}`);
}
