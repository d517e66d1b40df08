import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingWorker } from '../../src/engine/recording-worker.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import { listAudit } from '../../src/store/audit.ts';
import { dbKind } from '../helpers/db.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { recordAnsweredCalls, stereoWav } from '../helpers/recorded-sim.ts';
import { workdayTask } from '../helpers/world.ts';

/**
 * Recordings served: GET …/attempts/{id}/recording (audio/wav, Range, personal data, audited),
 * the attempts list's `recording`, and retention removing them on the clock.
 */
describe(`call recordings (${dbKind})`, () => {
  let h: EngineHarness;
  let dir: string;
  let taskId: string;
  let recorded: { id: number; recording: { url: string; durationSec: number } };
  let unanswered: { id: number; recording: null };
  let viewer: string;
  const raw = (key: string | null, url: string, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'GET',
      url,
      headers: { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-recordings-'));
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      app: { recordingsDir: dir },
      network: {
        rules: [{ match: '0002$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
    });
    recordAnsweredCalls(h.sim, dir);
    taskId = await h.startTask(workdayTask('Recorded'), customers(2));
    await h.runUntil('2026-11-23T10:00:00+08:00');
    const list = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${taskId}/attempts`,
    });
    recorded = list.body.items.find((a: { result: string }) => a.result === 'success');
    unanswered = list.body.items.find((a: { result: string }) => a.result === 'busy');
    viewer = (
      await h.call(h.key, {
        method: 'POST',
        url: '/api/v1/tenants/acme/keys',
        payload: { name: 'v', role: 'viewer' },
      })
    ).body.key;
  });
  afterAll(async () => {
    await h.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const reads = async () =>
    (await listAudit(h.store.db, 'acme', { limit: 1000 })).filter(
      (e) => e.action === 'recordings.read',
    );

  it('lists each attempt with its recording URL and length, or null', () => {
    expect(recorded.recording).toEqual({
      url: `/api/v1/tenants/acme/tasks/${taskId}/attempts/${recorded.id}/recording`,
      durationSec: 0.5,
    });
    expect(unanswered.recording).toBeNull();
    // The file's place on the engine's disk is never shown.
    expect(JSON.stringify(recorded)).not.toContain(dir);
  });

  it('serves the WAV whole and by byte range, auditing every read', async () => {
    const before = (await reads()).length;
    const whole = await raw(h.key, recorded.recording.url);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('audio/wav');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.rawPayload.equals(stereoWav(0.5))).toBe(true);
    const part = await raw(h.key, recorded.recording.url, { range: 'bytes=0-43' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-43/${stereoWav(0.5).length}`);
    expect(part.rawPayload.subarray(0, 4).toString()).toBe('RIFF');
    expect(part.rawPayload).toHaveLength(44);
    const unsatisfiable = await raw(h.key, recorded.recording.url, { range: 'bytes=999999-' });
    expect(unsatisfiable.statusCode).toBe(416);
    const audited = (await reads()).slice(0, (await reads()).length - before);
    expect(audited).toHaveLength(3);
    expect(audited.map((e) => e.detail)).toContainEqual({
      attemptId: recorded.id,
      range: 'bytes=0-43',
    });
    expect(audited.every((e) => e.subject === taskId)).toBe(true);
  });

  it('refuses viewers (403): a recording is personal data', async () => {
    const before = (await reads()).length;
    const r = await raw(viewer, recorded.recording.url);
    expect(r.statusCode).toBe(403);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json().title).toMatch(/personal data/);
    expect((await reads()).length).toBe(before);
  });

  it('answers 404 problem+json for an attempt without a recording, or of another task', async () => {
    const none = await raw(
      h.key,
      `/api/v1/tenants/acme/tasks/${taskId}/attempts/${unanswered.id}/recording`,
    );
    expect(none.statusCode).toBe(404);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(none.json().title).toMatch(/has no recording/);
    const missing = await raw(
      h.key,
      `/api/v1/tenants/acme/tasks/${taskId}/attempts/999999/recording`,
    );
    expect(missing.statusCode).toBe(404);
  });

  it('never serves a file outside the recordings directory', async () => {
    const outside = path.join(os.tmpdir(), `outbound-not-a-recording-${process.pid}.wav`);
    fs.writeFileSync(outside, stereoWav(0.1));
    for (const file of [outside, path.join(dir, '..', path.basename(outside)), '/etc/passwd']) {
      await h.store.db
        .updateTable('attempts')
        .set({ detail: JSON.stringify({ recording: { file, durationSec: 1 } }) as never })
        .where('id', '=', unanswered.id)
        .execute();
      const r = await raw(
        h.key,
        `/api/v1/tenants/acme/tasks/${taskId}/attempts/${unanswered.id}/recording`,
      );
      expect(r.statusCode, file).toBe(404);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    fs.rmSync(outside);
  });

  it('removes recordings after the retention, on the clock; then 404 and recording: null', async () => {
    const file = path.join(dir, '2026-11-23', `${recorded.id}.wav`);
    expect(fs.existsSync(file)).toBe(true);
    const sched = new VirtualScheduler(h.sched.now());
    const worker = new RecordingWorker({
      db: h.store.db,
      scheduler: sched,
      dir,
      retentionMs: 90 * 86_400_000,
    }).start();
    const day = (n: number) => Date.parse('2026-11-23T10:00:00+08:00') + n * 86_400_000;
    await sched.runUntil(day(89));
    expect(fs.existsSync(file)).toBe(true);
    expect((await raw(h.key, recorded.recording.url)).statusCode).toBe(200);
    await sched.runUntil(day(90) + 1);
    await worker.stop();
    expect(fs.existsSync(file)).toBe(false);
    // The record outside the directory (previous test) is marked, its file left alone.
    expect(fs.existsSync('/etc/passwd')).toBe(true);
    const gone = await raw(h.key, recorded.recording.url);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().title).toMatch(/expired and was removed/);
    const list = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${taskId}/attempts`,
    });
    expect(list.body.items.map((a: { recording: unknown }) => a.recording)).toEqual([null, null]);
  });
});
