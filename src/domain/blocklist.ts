import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A blocklist number as the engine will compare it: the form customers' numbers are stored in. With
 * the tenant's default country, imports store numbers in E.164, so a number written without its
 * country code (`13800000099`) is brought to E.164 (`+8613800000099`) the same way — else it would
 * never match. Numbers with `+`, `*` or `#`, and any number when no country is set, stay as typed.
 */
export function blocklistNumber(
  raw: string,
  defaultCountry: string | null | undefined,
): { ok: true; number: string } | { ok: false; message: string } {
  if (!defaultCountry || !/^[0-9]+$/.test(raw)) return { ok: true, number: raw };
  const p = parsePhoneNumberFromString(raw, defaultCountry as CountryCode);
  if (!p || !p.isValid())
    return {
      ok: false,
      message: `'${raw}' is not a valid phone number for ${defaultCountry}; write it with its country code (+…)`,
    };
  return { ok: true, number: p.number };
}
