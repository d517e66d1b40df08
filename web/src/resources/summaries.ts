import type { TFunction } from 'i18next';
import type { ResourceKind } from '../lib/hooks.ts';
import type { Resource } from '../types.ts';

const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : '');
const count = (v: unknown) => (Array.isArray(v) ? v.length : 0);

/** The Details column of a kind's list, in the console's language. */
export function summary(kind: ResourceKind, r: Resource, t: TFunction): string {
  switch (kind) {
    case 'caller-groups':
      return list(r.numbers);
    case 'special-dates':
      if (r.type === 'weekday')
        return ((r.weekdays as number[] | undefined) ?? [])
          .map((d) => t(`resources:weekday.${d}`))
          .join(', ');
      if (r.type === 'dateRange') return `${String(r.from)} – ${String(r.to)}`;
      return t('resources:summary.yearly', { dates: list(r.dates) });
    case 'blocklists':
      return t('resources:summary.numbers', { n: count(r.entries) });
    case 'sms-templates':
      return `${t(`resources:option.smsType.${String(r.type)}`)}: ${String(r.text)}`;
    case 'attributes':
      return [
        t(`resources:option.attributeType.${String(r.type)}`),
        r.mandatory ? t('resources:field.mandatory') : '',
        r.encrypted ? t('resources:field.encrypted') : '',
      ]
        .filter(Boolean)
        .join(', ');
    case 'business-results':
      return ((r.subResults as { code: string; name: string }[] | undefined) ?? [])
        .map((s) => s.name || s.code)
        .join(', ');
    case 'result-definitions':
      return list(r.results);
    case 'questionnaires':
      return `${t(`resources:option.questionnaireKind.${String(r.kind)}`)}, ${t(
        'resources:summary.questions',
        { n: count(r.questions) },
      )}`;
    case 'flows':
      return t('resources:summary.nodes', {
        n: count((r.document as { nodes?: unknown[] } | undefined)?.nodes),
      });
    case 'robots':
      return [r.kind ? t(`resources:option.robotKind.${String(r.kind)}`) : '', r.endpoint ?? '']
        .filter(Boolean)
        .join(' · ');
    default:
      return '';
  }
}
