import { toLocalInput } from './zone.ts';

/** Small display helpers. */

/** A time as "2026-11-23 09:00:05" in `zone` (a task's zone), else in the browser's. */
export function fmtTime(iso: string | null | undefined, zone?: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (!zone) return d.toLocaleString();
  return `${toLocalInput(iso, zone).replace('T', ' ')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
}

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Trims a number to at most 2 decimals without trailing zeros: 0.1, 30, 0.33. */
export function fmtNum(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export const ROLE_LABELS: Record<string, string> = {
  system_admin: 'System administrator',
  tenant_admin: 'Tenant administrator',
  ou_operator: 'OU operator',
  viewer: 'Viewer',
};
