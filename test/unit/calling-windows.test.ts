import { describe, expect, it } from 'vitest';
import {
  isWithinWindow,
  localDay,
  nextWindowStart,
  parseZone,
  periodsForDate,
  resolveDay,
  resolveZone,
  startOfNextLocalDay,
  windowEnd,
  type WindowContext,
} from '../../src/domain/calling-windows.ts';
import type { Schedule } from '../../src/domain/task-config.ts';
import type { SpecialDate } from '../../src/domain/resources.ts';

const tenantSpecialDates: SpecialDate[] = [
  { id: 'weekend', name: 'Weekends', ouId: null, type: 'weekday', weekdays: [6, 7] },
  { id: 'new-year', name: 'New year', ouId: null, type: 'yearly', dates: ['01-01'] },
  {
    id: 'maint',
    name: 'Maintenance',
    ouId: null,
    type: 'dateRange',
    from: '2026-12-24',
    to: '2026-12-26',
  },
];

function schedule(over: Partial<Schedule> = {}): Schedule {
  return {
    regular: [
      { start: '09:00', end: '11:30' },
      { start: '14:00', end: '18:00' },
    ],
    specialDates: [],
    specialPeriods: [],
    allocations: { enabled: false, entries: [] },
    ...over,
  };
}

function ctx(s: Schedule, over: Partial<WindowContext> = {}): WindowContext {
  return {
    schedule: s,
    specialDates: tenantSpecialDates,
    zone: resolveZone('+08:00', '+08:00'),
    taskStart: new Date('2026-11-23T00:00:00+08:00'),
    taskEnd: new Date('2027-03-31T23:59:59+08:00'),
    ...over,
  };
}

/** An instant written in +08:00 local time. */
const cn = (local: string): Date => new Date(`${local}+08:00`);
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

describe('time zones', () => {
  it('accepts IANA names and fixed offsets, defaulting to the tenant zone', () => {
    const at = Date.UTC(2026, 0, 1);
    expect(resolveZone('+08:00', 'UTC').offset(at)).toBe(480);
    expect(resolveZone('UTC+8', 'UTC').offset(at)).toBe(480);
    expect(resolveZone('GMT-05:30', 'UTC').offset(at)).toBe(-330);
    expect(resolveZone('UTC', '+08:00').offset(at)).toBe(0);
    expect(resolveZone(null, '+08:00').offset(at)).toBe(480);
    expect(resolveZone('', '-03:00').offset(at)).toBe(-180);
    expect(resolveZone('Europe/Berlin', '+08:00').offset(at)).toBe(60);
    expect(resolveZone('Europe/Berlin', '+08:00').offset(Date.UTC(2026, 6, 1))).toBe(120);
  });

  it('rejects names that are neither', () => {
    expect(parseZone('Mars/Olympus')).toBeNull();
    expect(parseZone('+15:00')).toBeNull();
    expect(() => resolveZone('Mars/Olympus', '+08:00')).toThrow(/Mars\/Olympus/);
  });
});

describe('regular periods (seed: 09:00-11:30 and 14:00-18:00, UTC+08:00)', () => {
  const c = ctx(schedule());

  it('opens at the start of a period and closes at its end (half-open)', () => {
    expect(isWithinWindow(cn('2026-11-23T08:59:59'), c)).toBe(false);
    expect(isWithinWindow(cn('2026-11-23T09:00:00'), c)).toBe(true);
    expect(isWithinWindow(cn('2026-11-23T11:29:59'), c)).toBe(true);
    expect(isWithinWindow(cn('2026-11-23T11:30:00'), c)).toBe(false);
    expect(isWithinWindow(cn('2026-11-23T14:00:00'), c)).toBe(true);
    expect(isWithinWindow(cn('2026-11-23T18:00:00'), c)).toBe(false);
  });

  it('finds the next window start', () => {
    expect(iso(nextWindowStart(cn('2026-11-23T07:00:00'), c))).toBe(iso(cn('2026-11-23T09:00:00')));
    expect(iso(nextWindowStart(cn('2026-11-23T10:15:00'), c))).toBe(iso(cn('2026-11-23T10:15:00')));
    expect(iso(nextWindowStart(cn('2026-11-23T11:30:00'), c))).toBe(iso(cn('2026-11-23T14:00:00')));
    expect(iso(nextWindowStart(cn('2026-11-23T18:30:00'), c))).toBe(iso(cn('2026-11-24T09:00:00')));
  });

  it('tells when the open window closes', () => {
    expect(iso(windowEnd(cn('2026-11-23T10:00:00'), c))).toBe(iso(cn('2026-11-23T11:30:00')));
    expect(iso(windowEnd(cn('2026-11-23T15:00:00'), c))).toBe(iso(cn('2026-11-23T18:00:00')));
    expect(windowEnd(cn('2026-11-23T12:00:00'), c)).toBeNull();
  });

  it('treats 00:00-00:00 and reversed periods as empty, 23:59 as the end of the day', () => {
    const c2 = ctx(
      schedule({
        regular: [
          { start: '00:00', end: '00:00' },
          { start: '20:00', end: '06:00' },
          { start: '22:00', end: '23:59' },
        ],
      }),
    );
    expect(isWithinWindow(cn('2026-11-23T03:00:00'), c2)).toBe(false);
    expect(isWithinWindow(cn('2026-11-23T21:00:00'), c2)).toBe(false);
    expect(isWithinWindow(cn('2026-11-23T23:59:30'), c2)).toBe(true);
    expect(iso(windowEnd(cn('2026-11-23T22:30:00'), c2))).toBe(iso(cn('2026-11-24T00:00:00')));
  });
});

describe('special dates (seed: weekends as special dates)', () => {
  it('calls all day on weekends with special period 00:00-23:59', () => {
    const c = ctx(
      schedule({ specialDates: ['weekend'], specialPeriods: [{ start: '00:00', end: '23:59' }] }),
    );
    expect(isWithinWindow(cn('2026-11-28T03:00:00'), c)).toBe(true); // Saturday
    expect(isWithinWindow(cn('2026-11-29T23:59:59'), c)).toBe(true); // Sunday
    expect(isWithinWindow(cn('2026-11-27T20:00:00'), c)).toBe(false); // Friday evening
    expect(iso(nextWindowStart(cn('2026-11-27T18:30:00'), c))).toBe(iso(cn('2026-11-28T00:00:00')));
    // Saturday and Sunday form one window that closes at Monday midnight.
    expect(iso(windowEnd(cn('2026-11-28T03:00:00'), c))).toBe(iso(cn('2026-11-30T00:00:00')));
    expect(iso(nextWindowStart(cn('2026-11-30T00:00:00'), c))).toBe(iso(cn('2026-11-30T09:00:00')));
  });

  it('makes no calls on weekends with regular 00:00-23:59 and weekend special period 00:00-00:00', () => {
    const c = ctx(
      schedule({
        regular: [{ start: '00:00', end: '23:59' }],
        specialDates: ['weekend'],
        specialPeriods: [{ start: '00:00', end: '00:00' }],
      }),
    );
    expect(isWithinWindow(cn('2026-11-27T23:00:00'), c)).toBe(true); // Friday
    expect(isWithinWindow(cn('2026-11-28T10:00:00'), c)).toBe(false); // Saturday
    expect(iso(windowEnd(cn('2026-11-27T12:00:00'), c))).toBe(iso(cn('2026-11-28T00:00:00')));
    expect(iso(nextWindowStart(cn('2026-11-28T10:00:00'), c))).toBe(iso(cn('2026-11-30T00:00:00')));
    // Monday to Friday is one continuous window.
    expect(iso(windowEnd(cn('2026-11-23T01:00:00'), c))).toBe(iso(cn('2026-11-28T00:00:00')));
  });

  it('applies a yearly date every year and only when the task selects it', () => {
    const s = schedule({
      specialDates: ['new-year'],
      specialPeriods: [{ start: '10:00', end: '12:00' }],
    });
    expect(resolveDay('2027-01-01', s, tenantSpecialDates).source).toBe('special');
    expect(resolveDay('2028-01-01', s, tenantSpecialDates).source).toBe('special');
    expect(resolveDay('2027-01-02', s, tenantSpecialDates).source).toBe('regular');
    const c = ctx(s);
    expect(isWithinWindow(cn('2027-01-01T09:30:00'), c)).toBe(false);
    expect(iso(nextWindowStart(cn('2027-01-01T08:00:00'), c))).toBe(iso(cn('2027-01-01T10:00:00')));
    // Not selected by the task: regular periods, although the tenant has the date.
    expect(periodsForDate('2027-01-01', schedule(), tenantSpecialDates)).toEqual(
      schedule().regular,
    );
  });

  it('covers a date range inclusively', () => {
    const s = schedule({
      specialDates: ['maint'],
      specialPeriods: [{ start: '00:00', end: '00:00' }],
    });
    expect(resolveDay('2026-12-23', s, tenantSpecialDates).source).toBe('regular');
    expect(resolveDay('2026-12-24', s, tenantSpecialDates).source).toBe('special');
    expect(resolveDay('2026-12-26', s, tenantSpecialDates).source).toBe('special');
    expect(resolveDay('2026-12-27', s, tenantSpecialDates).source).toBe('regular');
    const c = ctx(s);
    expect(iso(nextWindowStart(cn('2026-12-23T18:00:00'), c))).toBe(iso(cn('2026-12-27T09:00:00')));
  });
});

describe('allocations', () => {
  const allocations = {
    enabled: true,
    entries: [{ dates: ['2026-11-28'], periods: [{ start: '09:00', end: '12:00' }] }],
  };
  const s = schedule({
    specialDates: ['weekend'],
    specialPeriods: [{ start: '00:00', end: '23:59' }],
    allocations,
  });

  it('override special dates when enabled', () => {
    expect(resolveDay('2026-11-28', s, tenantSpecialDates)).toEqual({
      source: 'allocation',
      periods: [{ start: '09:00', end: '12:00' }],
    });
    const c = ctx(s);
    expect(isWithinWindow(cn('2026-11-28T08:00:00'), c)).toBe(false);
    expect(isWithinWindow(cn('2026-11-28T11:00:00'), c)).toBe(true);
    expect(isWithinWindow(cn('2026-11-28T13:00:00'), c)).toBe(false);
    expect(isWithinWindow(cn('2026-11-29T13:00:00'), c)).toBe(true); // Sunday: special date
  });

  it('are ignored when disabled', () => {
    const off = { ...s, allocations: { ...allocations, enabled: false } };
    expect(resolveDay('2026-11-28', off, tenantSpecialDates).source).toBe('special');
    expect(isWithinWindow(cn('2026-11-28T13:00:00'), ctx(off))).toBe(true);
  });
});

describe('task start and end', () => {
  const c = ctx(schedule(), {
    taskStart: cn('2026-11-23T10:00:00'),
    taskEnd: cn('2026-11-24T10:30:00'),
  });

  it('nothing opens before the start or at and after the end', () => {
    expect(isWithinWindow(cn('2026-11-23T09:30:00'), c)).toBe(false);
    expect(iso(nextWindowStart(cn('2026-11-20T00:00:00'), c))).toBe(iso(cn('2026-11-23T10:00:00')));
    expect(isWithinWindow(cn('2026-11-24T10:30:00'), c)).toBe(false);
    expect(iso(windowEnd(cn('2026-11-24T10:00:00'), c))).toBe(iso(cn('2026-11-24T10:30:00')));
    expect(nextWindowStart(cn('2026-11-24T10:30:00'), c)).toBeNull();
    expect(nextWindowStart(cn('2026-11-24T11:00:00'), c)).toBeNull();
  });

  it('returns null when no window opens before the end', () => {
    const closed = ctx(schedule({ regular: [{ start: '00:00', end: '00:00' }] }));
    expect(nextWindowStart(cn('2026-11-23T00:00:00'), closed)).toBeNull();
  });
});

describe('daylight saving time (Europe/Berlin)', () => {
  const berlin = resolveZone('Europe/Berlin', '+08:00');
  const c = (s: Schedule) =>
    ctx(s, {
      zone: berlin,
      taskStart: new Date('2026-01-01T00:00:00Z'),
      taskEnd: new Date('2027-01-01T00:00:00Z'),
    });
  const twoToThree = c(schedule({ regular: [{ start: '02:00', end: '03:00' }] }));

  it('spring forward (2026-03-29): 02:00-03:00 does not exist, so it never opens', () => {
    // 01:00Z is when 02:00 CET becomes 03:00 CEST.
    expect(isWithinWindow(new Date('2026-03-29T00:59:59Z'), twoToThree)).toBe(false);
    expect(isWithinWindow(new Date('2026-03-29T01:00:00Z'), twoToThree)).toBe(false);
    expect(iso(nextWindowStart(new Date('2026-03-28T23:00:00Z'), twoToThree))).toBe(
      '2026-03-30T00:00:00.000Z', // 02:00 CEST the next day
    );
    // The day before it was 02:00 CET.
    expect(iso(nextWindowStart(new Date('2026-03-27T23:00:00Z'), twoToThree))).toBe(
      '2026-03-28T01:00:00.000Z',
    );
  });

  it('spring forward: a period across the gap closes at the jump, later periods are in CEST', () => {
    const s = c(
      schedule({
        regular: [
          { start: '01:00', end: '02:30' },
          { start: '09:00', end: '17:00' },
        ],
      }),
    );
    expect(iso(windowEnd(new Date('2026-03-29T00:30:00Z'), s))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(nextWindowStart(new Date('2026-03-29T01:00:00Z'), s))).toBe(
      '2026-03-29T07:00:00.000Z',
    );
    expect(iso(windowEnd(new Date('2026-03-29T08:00:00Z'), s))).toBe('2026-03-29T15:00:00.000Z');
  });

  it('fall back (2026-10-25): 02:00-03:00 happens twice, so it is open for two real hours', () => {
    // 02:00 CEST = 00:00Z; at 01:00Z 03:00 CEST becomes 02:00 CET; 03:00 CET = 02:00Z.
    expect(iso(nextWindowStart(new Date('2026-10-24T22:00:00Z'), twoToThree))).toBe(
      '2026-10-25T00:00:00.000Z',
    );
    expect(isWithinWindow(new Date('2026-10-25T00:30:00Z'), twoToThree)).toBe(true);
    expect(isWithinWindow(new Date('2026-10-25T01:30:00Z'), twoToThree)).toBe(true);
    expect(isWithinWindow(new Date('2026-10-25T02:00:00Z'), twoToThree)).toBe(false);
    expect(iso(windowEnd(new Date('2026-10-25T00:30:00Z'), twoToThree))).toBe(
      '2026-10-25T02:00:00.000Z',
    );
  });

  it('local days and midnights follow the zone', () => {
    expect(localDay(new Date('2026-03-28T23:30:00Z'), berlin)).toBe('2026-03-29');
    expect(iso(startOfNextLocalDay(new Date('2026-03-29T12:00:00Z'), berlin))).toBe(
      '2026-03-29T22:00:00.000Z',
    );
    expect(iso(startOfNextLocalDay(new Date('2026-10-25T12:00:00Z'), berlin))).toBe(
      '2026-10-25T23:00:00.000Z',
    );
  });

  it('agrees with itself on every minute of both switch days', () => {
    const s = c(
      schedule({
        regular: [
          { start: '01:30', end: '02:15' },
          { start: '02:45', end: '03:10' },
          { start: '23:00', end: '23:59' },
        ],
      }),
    );
    for (const day of ['2026-03-28T22:00:00Z', '2026-10-24T21:00:00Z']) {
      const from = new Date(day).getTime();
      for (let t = from; t < from + 26 * 3_600_000; t += 60_000 * 7) {
        const at = new Date(t);
        const open = isWithinWindow(at, s);
        expect(nextWindowStart(at, s)?.getTime() === t, at.toISOString()).toBe(open);
        const next = nextWindowStart(at, s);
        if (next) expect(isWithinWindow(next, s), next.toISOString()).toBe(true);
      }
    }
  });
});

describe('daylight saving time (America/New_York)', () => {
  it('keeps 09:00-17:00 local across both switches', () => {
    const c = ctx(schedule({ regular: [{ start: '09:00', end: '17:00' }] }), {
      zone: resolveZone('America/New_York', '+08:00'),
      taskStart: new Date('2026-01-01T00:00:00Z'),
      taskEnd: new Date('2027-01-01T00:00:00Z'),
    });
    expect(iso(nextWindowStart(new Date('2026-03-07T12:00:00Z'), c))).toBe(
      '2026-03-07T14:00:00.000Z',
    );
    expect(iso(nextWindowStart(new Date('2026-03-08T05:00:00Z'), c))).toBe(
      '2026-03-08T13:00:00.000Z',
    );
    expect(iso(nextWindowStart(new Date('2026-11-01T05:00:00Z'), c))).toBe(
      '2026-11-01T14:00:00.000Z',
    );
  });
});

describe('efficiency', () => {
  it('finds a window months away without scanning minute by minute', () => {
    const s = schedule({
      regular: [{ start: '00:00', end: '00:00' }],
      allocations: {
        enabled: true,
        entries: [{ dates: ['2027-09-30'], periods: [{ start: '15:00', end: '16:00' }] }],
      },
    });
    const c = ctx(s, {
      zone: resolveZone('America/New_York', '+08:00'),
      taskStart: new Date('2026-11-23T00:00:00Z'),
      taskEnd: new Date('2027-12-31T00:00:00Z'),
    });
    const started = performance.now();
    expect(iso(nextWindowStart(new Date('2026-11-23T00:00:00Z'), c))).toBe(
      '2027-09-30T19:00:00.000Z',
    );
    expect(performance.now() - started).toBeLessThan(500);
  });
});
