import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPLAIN_REASONS } from '../../src/domain/explain-reasons.ts';
import { RESULT_NAMES } from '../../src/domain/result-codes.ts';

/**
 * The console says everything in both languages: every key the code uses (t('…') in web/src, in
 * every namespace, whoever wrote the page) exists in en and zh-CN, no key is left unused, and both
 * languages have the same keys with non-empty texts.
 */
const WEB = path.resolve(import.meta.dirname, '../../web/src');
const LOCALES = path.join(WEB, 'i18n/locales');
const LANGS = ['en', 'zh-CN'];
const PLURALS = ['_zero', '_one', '_two', '_few', '_many', '_other'];

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(f) ? [p] : [];
  });
}

function flatten(o: unknown, prefix = '', out: Record<string, unknown> = {}) {
  if (o && typeof o === 'object' && !Array.isArray(o))
    for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  else out[prefix] = o;
  return out;
}

/** lang → "ns:key" → text */
function catalog(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const lang of LANGS) {
    out[lang] = {};
    for (const f of files(path.join(LOCALES, lang), /\.json$/)) {
      const ns = path.basename(f, '.json');
      const flat = flatten(JSON.parse(readFileSync(f, 'utf8')));
      for (const [k, v] of Object.entries(flat)) out[lang]![`${ns}:${k}`] = v;
    }
  }
  return out;
}

/**
 * Keys used in the code. A file's default namespace is the first `useTranslation('ns')` in it
 * (else `common`); `t('ns:key')` names its own. `t(\`prefix.${x}\`)` uses every key under
 * `prefix.` (checked below where the values are known).
 */
export function usedKeys(): { exact: Map<string, string>; prefixes: Set<string> } {
  const exact = new Map<string, string>();
  const prefixes = new Set<string>();
  for (const f of files(WEB, /\.tsx?$/)) {
    const src = readFileSync(f, 'utf8');
    const ns = /useTranslation\(\s*\[?\s*'([^']+)'/.exec(src)?.[1] ?? 'common';
    const full = (k: string) => (k.includes(':') ? k : `${ns}:${k}`);
    for (const m of src.matchAll(/\bt\(\s*'([^']+)'/g))
      exact.set(full(m[1]!), path.relative(WEB, f));
    for (const m of src.matchAll(/\bt\(\s*`([^`$]*)\$\{/g)) prefixes.add(full(m[1]!));
    // t(cond ? 'a' : 'b') uses both; t(keys.map((k) => `help.${k}`)) every key under help.
    for (const m of src.matchAll(/\bt\(\s*[\w.!]+\s*\?\s*'([^']+)'\s*:\s*'([^']+)'/g))
      for (const k of [m[1]!, m[2]!]) exact.set(full(k), path.relative(WEB, f));
    for (const m of src.matchAll(/\bt\(\s*[\w.]+\.map\(\s*\(?\w+\)?\s*=>\s*`([^`$]*)\$\{/g))
      prefixes.add(full(m[1]!));
  }
  return { exact, prefixes };
}

const has = (cat: Record<string, unknown>, key: string) =>
  key in cat || PLURALS.some((p) => `${key}${p}` in cat);

describe('the console in English and Chinese', () => {
  const cat = catalog();
  const { exact, prefixes } = usedKeys();

  it('has every key the code uses, in both languages', () => {
    const missing = LANGS.flatMap((lang) =>
      [...exact].filter(([k]) => !has(cat[lang]!, k)).map(([k, file]) => `${lang} ${k} (${file})`),
    );
    expect(missing).toEqual([]);
  });

  it('uses every key it has', () => {
    const unused = Object.keys(cat.en!).filter((k) => {
      const base = k.replace(/_(zero|one|two|few|many|other)$/, '');
      return !exact.has(base) && ![...prefixes].some((p) => base.startsWith(p));
    });
    expect(unused).toEqual([]);
  });

  it('has the same keys, each with a text, in both languages', () => {
    for (const lang of LANGS)
      for (const [k, v] of Object.entries(cat[lang]!)) {
        expect(typeof v, `${lang} ${k}`).toBe('string');
        expect(String(v), `${lang} ${k}`).not.toBe('');
      }
    const en = Object.keys(cat.en!).sort();
    const zh = Object.keys(cat['zh-CN']!).sort();
    expect(zh.filter((k) => !en.includes(k))).toEqual([]);
    expect(en.filter((k) => !zh.includes(k))).toEqual([]);
  });

  it('has words for every value a dynamic key takes', () => {
    const dynamic: Record<string, string[]> = {
      // Every reason the API may give (one list, src/domain/explain-reasons.ts, for the API's
      // type, its schema and here).
      'explain:': EXPLAIN_REASONS.flatMap((r) => [`${r}.what`, `${r}.todo`]),
      'common:states.': ['draft', 'running', 'suspended', 'completed', 'expired'],
      'common:customerStates.': ['ready', 'waiting', 'dialing', 'filtered', 'finished'],
      'common:roles.': ['system_admin', 'tenant_admin', 'ou_operator', 'viewer'],
      'common:weekdays.': ['1', '2', '3', '4', '5', '6', '7'],
      'wizard:steps.': ['0', '1', '2', '3'],
      'common:results.': RESULT_NAMES,
      'errors:status.': ['400', '401', '403', '404', '409', '413', '422', '429', '500'],
    };
    expect(EXPLAIN_REASONS.length).toBeGreaterThan(10);
    expect(RESULT_NAMES.length).toBeGreaterThan(0);
    for (const lang of LANGS)
      for (const [prefix, values] of Object.entries(dynamic))
        for (const v of values)
          expect(has(cat[lang]!, `${prefix}${v}`), `${lang} ${prefix}${v}`).toBe(true);
  });
});
