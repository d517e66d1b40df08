import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { toLocalInput } from '../lib/zone.ts';
import { getDisplayZone } from '../lib/format.ts';

/** Calls started per minute of service time, the last hour with calls, as an SVG bar chart. */
export function CallsChart(props: { perMinute: Map<number, number> }) {
  const { t } = useTranslation('pages');
  const { perMinute } = props;
  const zone = getDisplayZone();
  if (perMinute.size === 0) return <Text c="dimmed">{t('chart.noCalls')}</Text>;
  const last = Math.max(...perMinute.keys());
  const first = Math.max(Math.min(...perMinute.keys()), last - 59);
  const minutes = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const max = Math.max(1, ...minutes.map((m) => perMinute.get(m) ?? 0));
  const w = 560;
  const h = 140;
  const bw = w / Math.max(minutes.length, 10);
  const label = (m: number) => toLocalInput(new Date(m * 60000).toISOString(), zone).slice(11);
  return (
    <svg
      viewBox={`0 0 ${w} ${h + 18}`}
      width="100%"
      role="img"
      aria-label={t('details.perMinute')}
      data-testid="calls-chart"
    >
      {minutes.map((m, i) => {
        const v = perMinute.get(m) ?? 0;
        const bh = (v / max) * h;
        return (
          <rect
            key={m}
            x={i * bw + 1}
            y={h - bh}
            width={Math.max(1, bw - 2)}
            height={bh}
            fill="var(--mantine-color-blue-6)"
          >
            <title>{t('chart.bar', { time: label(m), n: v })}</title>
          </rect>
        );
      })}
      <text x={0} y={h + 14} fontSize={11}>
        {label(first)}
      </text>
      <text x={w} y={h + 14} fontSize={11} textAnchor="end">
        {label(last)}
      </text>
      <text x={w} y={11} fontSize={11} textAnchor="end">
        {t('chart.max', { n: max })}
      </text>
    </svg>
  );
}
