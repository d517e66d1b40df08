import { describe, expect, it } from 'vitest';
import { ApiError } from '../../web/src/api.ts';
import { RESTORE_WAITS_MS, restoreSession } from '../../web/src/lib/restore.ts';

/**
 * What a reload of a console tab does with the key it kept (web/src/lib/restore.ts): a CI run saw
 * a test reload a page whose sign-in was still on its way, and the aborted request signed the
 * user out.
 */
describe('a console tab signing in again after a reload', () => {
  const problem = (status: number) => new ApiError({ title: `HTTP ${status}`, status });

  /** Runs a restore whose sign-in fails with `failures` in turn, then succeeds. */
  async function restore(failures: unknown[]) {
    let forgotten = false;
    const waits: number[] = [];
    const calls = { n: 0 };
    const outcome = await restoreSession({
      signIn: async () => {
        const e = failures[calls.n++];
        if (e !== undefined) throw e;
      },
      forget: () => (forgotten = true),
      gone: () => false,
      wait: async (ms) => void waits.push(ms),
    });
    return { outcome, forgotten, waits, tries: calls.n };
  }

  it('keeps the key when its request is aborted (the page reloads again)', async () => {
    const r = await restore([new DOMException('The user aborted a request.', 'AbortError')]);
    expect(r).toMatchObject({ outcome: 'failed', forgotten: false, tries: 1 });
  });

  it('keeps the key on any failure that is not a refusal', async () => {
    const r = await restore([problem(404)]);
    expect(r).toMatchObject({ outcome: 'failed', forgotten: false });
  });

  it('forgets the key the server refuses, at once', async () => {
    expect(await restore([problem(401)])).toMatchObject({ outcome: 'refused', forgotten: true });
    expect(await restore([problem(403)])).toMatchObject({ outcome: 'refused', forgotten: true });
    expect(await restore([problem(503), problem(401)])).toMatchObject({
      outcome: 'refused',
      forgotten: true,
      tries: 2,
    });
  });

  it('tries again when the server or the network failed, waiting longer each time', async () => {
    const down = new TypeError('Failed to fetch');
    const r = await restore([problem(503), down, problem(429)]);
    expect(r).toEqual({
      outcome: 'signed-in',
      forgotten: false,
      waits: [500, 1000, 2000],
      tries: 4,
    });
  });

  it('gives up after its last wait, keeping the key for the next reload', async () => {
    const r = await restore(Array.from({ length: 10 }, () => problem(502)));
    expect(r.waits).toEqual(RESTORE_WAITS_MS);
    expect(r).toMatchObject({
      outcome: 'failed',
      forgotten: false,
      tries: RESTORE_WAITS_MS.length + 1,
    });
  });

  it('stops trying once the page is gone', async () => {
    let gone = false;
    let tries = 0;
    const outcome = await restoreSession({
      signIn: async () => {
        tries++;
        throw problem(503);
      },
      forget: () => {},
      gone: () => gone,
      wait: async () => void (gone = true),
    });
    expect({ outcome, tries }).toEqual({ outcome: 'failed', tries: 1 });
  });
});
