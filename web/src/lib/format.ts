import { RESULT_NAMES } from '../../../src/domain/result-codes.ts';
import { i18n } from '../i18n/index.ts';
import { toLocalInput } from './zone.ts';

/**
 * How the console writes moments and lengths of time: one format everywhere, 24-hour, in the
 * tenant's time zone (the shell sets it when a tenant is chosen), so a moment is on the same day
 * on every page, in exports and in templates alike.
 */
let displayZone = 'UTC';

export function setDisplayZone(zone: string | null | undefined): void {
  displayZone = zone || 'UTC';
}

export function getDisplayZone(): string {
  return displayZone;
}

/** "2026-11-23 09:00:05" in the tenant's zone (or `zone`). */
export function fmtTime(iso: string | null | undefined, zone: string = displayZone): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${toLocalInput(iso, zone).replace('T', ' ')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
}

/** "2026-11-23 09:00" — a minute, e.g. a task's start and end. */
export function fmtMinute(iso: string | null | undefined, zone: string = displayZone): string {
  if (!iso) return '—';
  return toLocalInput(iso, zone).replace('T', ' ');
}

/** "3 min 20 s", "1 h 5 min", "45 s" (in the console's language). */
export function fmtDuration(totalSec: number | null | undefined): string {
  if (totalSec === null || totalSec === undefined || !Number.isFinite(totalSec)) return '—';
  const sec = Math.round(totalSec);
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  const parts: string[] = [];
  if (h) parts.push(i18n.t('common:duration.h', { n: h }));
  if (m) parts.push(i18n.t('common:duration.min', { n: m }));
  if (s || !parts.length) parts.push(i18n.t('common:duration.s', { n: s }));
  return parts.join(i18n.t('common:duration.separator'));
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

/**
 * A platform result (product.md §6) in words of the console's language, with its name for whoever
 * knows the codes: "Busy (busy)", "用户忙 (busy)"; a tenant's own result code stays as it is.
 */
export function fmtResult(name: string): string {
  return (RESULT_NAMES as readonly string[]).includes(name)
    ? `${i18n.t(`common:results.${name}`)} (${name})`
    : name;
}
