/**
 * `--stats`: counts the SQL statements the run sends (and the time until each one answered), by
 * statement shape, by wrapping the drivers' query functions (pg.Client and PGlite). Only for
 * profiling: the wrapping costs a little time per statement.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

interface Row {
  n: number;
  ms: number;
}

const rows = new Map<string, Row>();
let depth = 0;

function shape(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim().toLowerCase();
  if (/^(begin|commit|rollback|savepoint|release)/.test(s)) return s.split(' ')[0]!;
  const table =
    /^(?:update|insert into|delete from) "?([a-z_]+)"?/.exec(s)?.[1] ??
    /from "?([a-z_]+)"?/.exec(s)?.[1] ??
    '';
  return `${s.split(' ')[0]} ${table} :: ${s.slice(0, 90)}`;
}

function record(text: string, ms: number): void {
  const k = shape(text);
  const r = rows.get(k) ?? { n: 0, ms: 0 };
  r.n++;
  r.ms += ms;
  rows.set(k, r);
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

function wrap(proto: Record<string, unknown>, name: string): void {
  const orig = proto[name] as AnyFn;
  proto[name] = function (this: unknown, ...args: unknown[]) {
    const a0 = args[0];
    const text = typeof a0 === 'string' ? a0 : ((a0 as { text?: string })?.text ?? '?');
    if (depth > 0 || typeof args.at(-1) === 'function') return orig.apply(this, args);
    const t0 = performance.now();
    depth++;
    let p: unknown;
    try {
      p = orig.apply(this, args);
    } finally {
      depth--;
    }
    if (p && typeof (p as Promise<unknown>).then === 'function') {
      return (p as Promise<unknown>).finally(() => record(text, performance.now() - t0));
    }
    record(text, performance.now() - t0);
    return p;
  };
}

export function installStats(): void {
  wrap(pg.Client.prototype as unknown as Record<string, unknown>, 'query');
  wrap(PGlite.prototype as unknown as Record<string, unknown>, 'query');
  wrap(PGlite.prototype as unknown as Record<string, unknown>, 'exec');
}

/** Forgets what was counted so far (the world's set-up and import). */
export function resetStats(): void {
  rows.clear();
}

export function printStats(attempts: number): void {
  const all = [...rows.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const n = all.reduce((s, [, r]) => s + r.n, 0);
  const ms = all.reduce((s, [, r]) => s + r.ms, 0);
  console.log(
    `  statements  ${n.toLocaleString('en-US')} (${(n / attempts).toFixed(2)} per attempt), ` +
      `${(ms / 1000).toFixed(1)} s until answered`,
  );
  for (const [k, r] of all.slice(0, 30)) {
    console.log(
      `    ${String(r.n).padStart(8)} ${(r.n / attempts).toFixed(3).padStart(7)}/att ` +
        `${(r.ms / 1000).toFixed(1).padStart(6)} s ${((100 * r.ms) / ms).toFixed(1).padStart(5)} %  ${k}`,
    );
  }
}
