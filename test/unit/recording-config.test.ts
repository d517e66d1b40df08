import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.ts';
import { insideDir } from '../../src/engine/recording-worker.ts';

describe('recording settings', () => {
  it('default to ./data/recordings kept 90 days, and read the environment', () => {
    const d = loadConfig({}, '/srv/outbound');
    expect(d.recordingsDir).toBe('/srv/outbound/data/recordings');
    expect(d.recordingRetentionDays).toBe(90);
    const c = loadConfig(
      { OUTBOUND_RECORDINGS_DIR: '/var/rec', OUTBOUND_RECORDING_RETENTION_DAYS: '30' },
      '/srv/outbound',
    );
    expect(c.recordingsDir).toBe('/var/rec');
    expect(c.recordingRetentionDays).toBe(30);
  });

  it('refuses a retention that is not a number of days', () => {
    for (const v of ['0', '-1', 'ninety', '4000'])
      expect(() => loadConfig({ OUTBOUND_RECORDING_RETENTION_DAYS: v }, '/srv')).toThrow(
        /OUTBOUND_RECORDING_RETENTION_DAYS must be a number of days/,
      );
  });

  it('knows what lies inside the recordings directory', () => {
    const dir = '/srv/rec';
    expect(insideDir('/srv/rec/2026-11-23/1.wav', dir)).toBe(true);
    expect(insideDir(path.join(dir, '..', 'etc', 'passwd'), dir)).toBe(false);
    expect(insideDir('/srv/recordings-other/1.wav', dir)).toBe(false);
    expect(insideDir('/srv/rec', dir)).toBe(false);
  });
});
