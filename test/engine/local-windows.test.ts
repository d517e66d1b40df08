import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { dbKind } from '../helpers/db.ts';
import { workdayTask } from '../helpers/world.ts';

/**
 * Contact-local windows (issue #14): the task dials all day in its own zone (+08:00), but its
 * local windows allow 08:00–21:00 on each customer's clock. On 2026-11-23 New York is at -05:00:
 * 12:59 UTC is 07:59 there, 20:59 in Shanghai and 13:59 in Berlin.
 */
const ALL_DAY = {
  regular: [{ start: '00:00', end: '23:59' }],
  specialDates: [],
  specialPeriods: [],
  allocations: { enabled: false, entries: [] },
};
const LOCAL = { regular: [{ start: '08:00', end: '21:00' }] };
const base = '/api/v1/tenants/acme/tasks';

describe(`contact-local calling windows (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it('a customer where it is 07:59 is not dialed, and is dialed at 08:00 their time; the others meanwhile are', async () => {
    h = await engineHarness({ start: '2026-11-23T12:58:00Z' });
    const id = await h.startTask(
      workdayTask('Local hours', {
        start: '2026-11-23T00:00:00+08:00',
        schedule: ALL_DAY,
        localWindows: LOCAL,
      }),
      [
        { sessionId: 'ny', numbers: [{ number: '+12125550101' }] },
        { sessionId: 'sh', numbers: [{ number: '+8613800010001' }] },
        // The contact's own zone wins over its (Chinese) number's.
        { sessionId: 'berlin', timeZone: 'Europe/Berlin', numbers: [{ number: '+8613800010002' }] },
        { sessionId: 'la', numbers: [{ number: '+13105550101' }] },
      ].map((c) => ({ ...c, attributes: { vip: 1, city: 'Shenzhen' } })),
    );
    const view = await h.call(h.key, { method: 'GET', url: `${base}/${id}/contacts/ny` });
    expect(view.body.numbers[0]).toMatchObject({
      timeZones: ['America/New_York'],
      timeZoneFrom: 'number',
    });
    const berlin = await h.call(h.key, { method: 'GET', url: `${base}/${id}/contacts/berlin` });
    expect(berlin.body.timeZone).toBe('Europe/Berlin');

    await h.runUntil('2026-11-23T12:59:59.999Z');
    const before = await h.attempts(id);
    expect(before.map((a) => a.sessionId).sort()).toEqual(['berlin', 'sh']);

    const why = await h.call(h.key, { method: 'GET', url: `${base}/${id}/contacts/ny/explain` });
    expect(why.body).toMatchObject({ reason: 'outside_local_hours', callableNow: false });
    expect(why.body.detail).toContain('opens 08:00 their time (America/New_York)');
    const progress = await h.call(h.key, { method: 'GET', url: `${base}/${id}/progress` });
    expect(progress.body.held).toEqual({ localHours: 2, numberCap: 0 });

    await h.runUntil('2026-11-23T13:00:00.500Z');
    const ny = (await h.attempts(id)).filter((a) => a.sessionId === 'ny');
    expect(ny.map((a) => a.startedAt.toISOString())).toEqual(['2026-11-23T13:00:00.000Z']);
    // Los Angeles opens three hours later.
    await h.runUntil('2026-11-23T15:59:59Z');
    expect((await h.attempts(id)).some((a) => a.sessionId === 'la')).toBe(false);
    await h.runUntil('2026-11-23T16:00:01Z');
    const la = (await h.attempts(id)).filter((a) => a.sessionId === 'la');
    expect(la.map((a) => a.startedAt.toISOString())).toEqual(['2026-11-23T16:00:00.000Z']);
  });
});
