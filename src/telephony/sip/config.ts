/**
 * The sip adapter's configuration (docs/sip.md shows it for Asterisk, FreeSWITCH and a carrier).
 * Every field but `trunk.host` and the bind/media addresses has a default.
 */
export interface SipConfig {
  /**
   * Where every request goes (the trunk is our outbound proxy). `transport` (default udp): tcp
   * opens one connection to the trunk, reopened when it drops, and listens on `bind` for the
   * trunk's own connections.
   */
  trunk: {
    host: string;
    port?: number;
    transport?: 'udp' | 'tcp';
    /**
     * The trunk's calls-per-second limit: INVITEs beyond it wait (in 10 ms slots) instead of
     * leaving in one burst. Default: no limit.
     */
    maxCallsPerSec?: number;
  };
  /** Host part of From, To, P-Asserted-Identity and the Request-URI (default: trunk host). */
  domain?: string;
  credentials?: { username: string; password: string };
  /** Our SIP socket (UDP) or listener (TCP); port 0 or absent: any free port. */
  bind: { address: string; port?: number };
  /** Address RTP binds to and advertises in SDP; ports from [portMin, portMax] or any free one. */
  media: { address: string; advertise?: string; portMin?: number; portMax?: number };
  /** Where recordings are written (flows with `record: true`). */
  recordingsDir?: string;
  /** Converted prompts (sox, espeak-ng) are cached here. */
  promptCacheDir?: string;
  promptBaseDir?: string;
  /** RFC 3261 timers; tests shorten T1 to keep Timer B/F short. */
  timers?: { t1Ms?: number; t2Ms?: number; t4Ms?: number };
  /** The empty flow hangs up after this long if the callee has not (default 3600). */
  maxCallSec?: number;
  /** The empty flow hangs up after this long (default: wait for the callee, up to maxCallSec). */
  holdSec?: number;
  /** Refer-To for a skill-queue transfer; `{queue}` is replaced (default sip:{queue}@domain). */
  skillQueueUri?: string;
  /** How long a transfer waits for the NOTIFY with the final status after 202 (default 10). */
  transferWaitSec?: number;
  socketBufferBytes?: number;
  userAgent?: string;
  /** How speech robots tell speech from silence (media/hear.ts; docs/robots.md, tuning). */
  hearing?: {
    minSpeechMs?: number;
    endSilenceMs?: number;
    preRollMs?: number;
    silenceThreshold?: number;
  };
}

export const SIP_DEFAULTS = {
  maxCallSec: 3600,
  transferWaitSec: 10,
  recordingsDir: './data/recordings',
  promptCacheDir: './data/prompt-cache',
  userAgent: 'Outbound',
} as const;
