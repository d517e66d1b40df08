import path from 'node:path';

/** Configuration is read once from the environment (in main.ts), validated and frozen. */
export interface Config {
  /** PostgreSQL URL; when absent the embedded PGlite database in `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  logLevel: string;
  /** 32-byte key (hex or base64) that encrypts encrypted attributes; embedded default: generated in dataDir. */
  secretKey: string | undefined;
  /** `sim` (the simulated network, default) or `sip` (a SIP trunk, configured by sipConfigFile). */
  telephony: 'sim' | 'sip';
  /** JSON file with the sip adapter's configuration (docs/sip.md). */
  sipConfigFile: string | undefined;
  /**
   * Where call recordings are written (OUTBOUND_RECORDINGS_DIR, default ./data/recordings); a
   * `recordingsDir` in the SIP configuration file takes precedence.
   */
  recordingsDir: string;
  /**
   * How long what an engine holds (a customer it claimed, a call in progress) stays held without
   * its heartbeat, seconds (default 60). After it, another engine's sweeper takes it back. Outbox
   * messages a dispatcher leased are held twice as long. Shorter recovers faster after a crash;
   * it must stay well above a database round trip (the heartbeat renews at a quarter of it).
   */
  leaseSec: number;
  /**
   * How long a stopping engine (SIGTERM/SIGINT) lets its calls in progress finish, seconds
   * (default 30, 0: hang up at once). Calls still up then are hung up and end as `system_error`
   * with `reason: "shutdown"`, retried by the task's policy.
   */
  drainSec: number;
  /** How long a finished export's file is kept, days (default 7); then it is removed. */
  exportRetentionDays: number;
  /** How long audit rows (who read or changed what) are kept, days (default 365); then pruned. */
  auditRetentionDays: number;

  /** How long a call's recording is kept after the call ended, days (default 90); then removed. */
  recordingRetentionDays: number;
}

export function loadConfig(env: NodeJS.ProcessEnv, cwd: string): Readonly<Config> {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer 0-65535, got '${env.PORT}'`);
  }
  const leaseSec = Number(env.OUTBOUND_LEASE_SEC ?? 60);
  if (!Number.isFinite(leaseSec) || leaseSec < 2 || leaseSec > 3600) {
    throw new Error(
      `OUTBOUND_LEASE_SEC must be a number of seconds 2-3600, got '${env.OUTBOUND_LEASE_SEC}'`,
    );
  }
  const drainSec = Number(env.OUTBOUND_DRAIN_SEC ?? 30);
  if (!Number.isFinite(drainSec) || drainSec < 0 || drainSec > 3600) {
    throw new Error(
      `OUTBOUND_DRAIN_SEC must be a number of seconds 0-3600, got '${env.OUTBOUND_DRAIN_SEC}'`,
    );
  }
  const exportRetentionDays = Number(env.OUTBOUND_EXPORT_RETENTION_DAYS ?? 7);
  if (
    !Number.isFinite(exportRetentionDays) ||
    exportRetentionDays <= 0 ||
    exportRetentionDays > 3650
  ) {
    throw new Error(
      `OUTBOUND_EXPORT_RETENTION_DAYS must be a number of days above 0 and at most 3650, got '${env.OUTBOUND_EXPORT_RETENTION_DAYS}'`,
    );
  }
  const auditRetentionDays = Number(env.OUTBOUND_AUDIT_RETENTION_DAYS ?? 365);
  if (
    !Number.isFinite(auditRetentionDays) ||
    auditRetentionDays <= 0 ||
    auditRetentionDays > 36500
  ) {
    throw new Error(
      `OUTBOUND_AUDIT_RETENTION_DAYS must be a number of days above 0 and at most 36500, got '${env.OUTBOUND_AUDIT_RETENTION_DAYS}'`,
    );
  }

  const recordingRetentionDays = days(
    'OUTBOUND_RECORDING_RETENTION_DAYS',
    env.OUTBOUND_RECORDING_RETENTION_DAYS,
    90,
  );
  return Object.freeze({
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(cwd, env.OUTBOUND_DATA_DIR ?? 'data'),
    port,
    host: env.HOST ?? '127.0.0.1',
    logLevel: env.LOG_LEVEL ?? 'info',
    secretKey: env.OUTBOUND_SECRET_KEY || undefined,
    telephony: telephonyOf(env.OUTBOUND_TELEPHONY),
    sipConfigFile: env.OUTBOUND_SIP_CONFIG ? path.resolve(cwd, env.OUTBOUND_SIP_CONFIG) : undefined,
    recordingsDir: path.resolve(cwd, env.OUTBOUND_RECORDINGS_DIR || 'data/recordings'),
    leaseSec,
    drainSec,
    exportRetentionDays,
    auditRetentionDays,

    recordingRetentionDays,
  });
}

function days(name: string, v: string | undefined, fallback: number): number {
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 3650)
    throw new Error(`${name} must be a number of days above 0 and at most 3650, got '${v}'`);
  return n;
}

function telephonyOf(v: string | undefined): 'sim' | 'sip' {
  if (v === undefined || v === '' || v === 'sim') return 'sim';
  if (v === 'sip') return 'sip';
  throw new Error(`OUTBOUND_TELEPHONY must be sim or sip, not '${v}'`);
}
