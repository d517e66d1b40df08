import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.ts';

describe('where recordings go (OUTBOUND_RECORDINGS_DIR)', () => {
  it('defaults to ./data/recordings and takes the variable, resolved from the working directory', () => {
    expect(loadConfig({}, '/srv/outbound').recordingsDir).toBe('/srv/outbound/data/recordings');
    expect(loadConfig({ OUTBOUND_RECORDINGS_DIR: 'rec' }, '/srv/outbound').recordingsDir).toBe(
      '/srv/outbound/rec',
    );
    expect(loadConfig({ OUTBOUND_RECORDINGS_DIR: '/var/rec' }, '/srv').recordingsDir).toBe(
      '/var/rec',
    );
  });
});
