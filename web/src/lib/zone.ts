/** Time zones as tasks give them (IANA name or fixed offset), without a library. */

const FIXED = /^([+-])(\d{2}):?(\d{2})$/;

/** Minutes east of UTC of `zone` at `instant`. */
export function offsetMinutes(zone: string, instant: Date): number {
  if (zone === 'UTC' || zone === 'Z') return 0;
  const m = FIXED.exec(zone);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(instant);
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    const asUtc = Date.UTC(
      get('year'),
      get('month') - 1,
      get('day'),
      get('hour'),
      get('minute'),
      get('second'),
    );
    return Math.round((asUtc - instant.getTime()) / 60000);
  } catch {
    return 0;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
const offsetText = (min: number) =>
  `${min < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(min) / 60))}:${pad(Math.abs(min) % 60)}`;

/** "2026-11-23T00:00" in `zone` → "2026-11-23T00:00:00+08:00". */
export function fromLocalInput(local: string, zone: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(local)) return local;
  const naive = new Date(`${local.slice(0, 16)}:00Z`);
  let off = offsetMinutes(zone, naive);
  off = offsetMinutes(zone, new Date(naive.getTime() - off * 60000));
  return `${local.slice(0, 16)}:00${offsetText(off)}`;
}

/** An ISO instant → "yyyy-MM-ddTHH:mm" in `zone`. */
export function toLocalInput(iso: string, zone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const local = new Date(d.getTime() + offsetMinutes(zone, d) * 60000);
  return local.toISOString().slice(0, 16);
}
