import type { FieldError } from '../platform/errors.ts';

/**
 * Text PostgreSQL cannot store: the NUL character (refused in `text` and `jsonb`) and lone UTF-16
 * surrogates (no UTF-8 form; a driver would silently turn them into U+FFFD). Such text is refused
 * with its field path — per row for contact imports, per field for every other request body — so
 * that it never reaches the database as a 500 that loses the good rows with it.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const SUSPECT = /[\u0000\ud800-\udfff]/;

/** Why `s` cannot be stored, or undefined when it can. */
export function unstorableReason(s: string): string | undefined {
  if (!SUSPECT.test(s)) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return 'must not contain the NUL character (\\u0000)';
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (n >= 0xdc00 && n <= 0xdfff) {
        i++;
        continue;
      }
      return 'contains an unpaired UTF-16 surrogate (not valid Unicode text)';
    }
    if (c >= 0xdc00 && c <= 0xdfff)
      return 'contains an unpaired UTF-16 surrogate (not valid Unicode text)';
  }
  return undefined;
}

const pointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Every string (value or key) in a parsed JSON value that cannot be stored, with its JSON-pointer
 * path. Iterative, so any nesting depth is safe.
 */
export function unstorablePaths(value: unknown, base = '', limit = 50): FieldError[] {
  const out: FieldError[] = [];
  const stack: [unknown, string][] = [[value, base]];
  while (stack.length && out.length < limit) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const why = unstorableReason(v);
      if (why) out.push({ path: path || '/', message: why });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        const p = `${path}/${pointer(k)}`;
        const why = unstorableReason(k);
        if (why) out.push({ path: p, message: `name ${why}` });
        stack.push([(v as Record<string, unknown>)[k], p]);
      }
    }
  }
  return out;
}
