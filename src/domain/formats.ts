import { FormatRegistry } from '@sinclair/typebox';
import { DateTime } from 'luxon';

/**
 * TypeBox checks string formats only once they are registered. `date-time` is an RFC 3339
 * date-time with a zone (Z or an offset), as task start/end and blocklist expiries are.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set(
    'date-time',
    (v) => RFC3339.test(v) && DateTime.fromISO(v.replace(' ', 'T')).isValid,
  );
}
