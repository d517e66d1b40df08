import { useTranslation } from 'react-i18next';
import { ApiError, type FieldError } from '../api.ts';
import { i18n } from '../i18n/index.ts';
import { stepOf } from '../wizard/model.ts';

/**
 * Plain language for what the API answers: a problem's title by its status, a field's JSON pointer
 * as the wizard's own label (the same translation keys the wizard's fields use) and step, and the
 * API's rule messages in the console's language. A message with no translation is shown as the
 * API wrote it rather than hidden.
 */

/** `/schedule/regular/1/start` → `schedule_regular_start` (indices dropped). */
const fieldKey = (segments: string[]) => segments.filter((s) => !/^\d+$/.test(s)).join('_');

/** The wizard's label of a field: the nearest labelled field at or above the pointer. */
export function fieldLabel(path: string): string {
  const segs = path.split('/').filter(Boolean);
  const index = segs.find((s) => /^\d+$/.test(s));
  for (let n = segs.length; n > 0; n--) {
    const key = `wizard:field.${fieldKey(segs.slice(0, n))}`;
    if (i18n.exists(key)) {
      const label = i18n.t(key);
      const rest = segs.slice(n).filter((s) => !/^\d+$/.test(s));
      const item = index !== undefined ? ` ${Number(index) + 1}` : '';
      return rest.length ? `${label}${item} · ${rest.join(' · ')}` : `${label}${item}`;
    }
  }
  return path;
}

export function stepLabel(path: string): string {
  return i18n.t(`wizard:steps.${stepOf(path)}`);
}

/** The API's rule messages (src/domain/schema-errors.ts, validate-task*.ts) in words of the console's language. */
const MESSAGES: [RegExp, string][] = [
  [/^is required$/, 'required'],
  [/^must not be (empty|blank)$/, 'required'],
  [/^must be between (\S+) and (\S+)$/, 'between'],
  [/^must be at least (\S+)$/, 'atLeast'],
  [/^must be at most (\d+) characters$/, 'maxChars'],
  [/^must be at most (\S+)$/, 'atMost'],
  [/^must be a whole number$/, 'integer'],
  [/^must have at most (\d+) items$/, 'maxItems'],
  [/^must have at least (\d+) items?$/, 'minItems'],
  [/^is not a known field$/, 'unknownField'],
  [/^must be one of (.+)$/, 'oneOf'],
  [/^must be a valid (.+)$/, 'format'],
  [/^is required for an IVR task$/, 'flowRequired'],
  [/^is required for a robot task$/, 'robotRequired'],
  [/^(?:flow|robot) '(.+)' is not published$/, 'notPublished'],
  [/^must be after the start/, 'endAfterStart'],
  [/^give 1 to (\d+) caller numbers or a caller group$/, 'callers'],
  [/^give either caller numbers or a caller group, not both$/, 'callersBoth'],
  [/^must be an http or https URL$/, 'url'],
  [/^is required when the questionnaire mode is/, 'questionnaireRequired'],
  [/^00:00-00:00 \(no calls\) must be the only regular period$/, 'noCallsAlone'],
  [/^must list at least one number type when calling by number type$/, 'numberTypes'],
  [/^overlaps the period (.+)$/, 'overlaps'],
  [/^(?:\w+ )+'(.+)' (?:not found|does not exist)/, 'missing'],
  // A contact list's rows and columns (src/domain/contact.ts, src/api/contacts/columns.ts).
  [/^must contain only digits, \* and #, with an optional leading \+$/, 'numberChars'],
  [/^is not a valid phone number for (\S+)$/, 'phoneNumber'],
  [/^must have between (\d+) and (\d+) digits$/, 'digits'],
  [/^must start with (.+)$/, 'startsWith'],
  [/^is not a known column or attribute; ignored$/, 'unknownColumn'],
  [/^has no number(\d+) column; ignored$/, 'noNumberColumn'],
  [/^appears more than once$/, 'duplicateColumn'],
  [/^column is required \(at least one number column\)$/, 'numberColumn'],
  [/^column is required \(a mandatory attribute\)$/, 'mandatoryColumn'],
  [/^column is required$/, 'columnRequired'],
  [/^is not an attribute of this tenant$/, 'unknownAttribute'],
  [/^must be a string$/, 'string'],
  [/^must be a number$/, 'number'],
  [/^must be true or false$/, 'boolean'],
  [/^must be a date \(yyyy-MM-dd\)$/, 'date'],
];

export function plainMessage(message: string): string {
  for (const [re, key] of MESSAGES) {
    const m = re.exec(message);
    if (m) return i18n.t(`errors:rule.${key}`, { a: m[1], b: m[2] });
  }
  return message;
}

/** "Basic information › Task name: is required". */
export function plainField(f: FieldError): string {
  return `${stepLabel(f.path)} › ${fieldLabel(f.path)}: ${plainMessage(f.message)}`;
}

/** A problem's title in words, by status (the API's own title when none fits). */
export function plainTitle(e: unknown): string {
  if (e instanceof ApiError) {
    return i18n.exists(`errors:status.${e.status}`)
      ? i18n.t(`errors:status.${e.status}`)
      : e.message;
  }
  if (e instanceof TypeError) return i18n.t('errors:network');
  return e instanceof Error ? e.message : String(e);
}

/** One sentence for anything thrown: the title, then each field with its label. */
export function plainError(e: unknown): string {
  const title = plainTitle(e);
  if (!(e instanceof ApiError)) return title;
  const detail = e.status === 422 || !e.fieldErrors.length ? '' : ` (${e.message})`;
  const fields = e.fieldErrors.map((f) => `${fieldLabel(f.path)}: ${plainMessage(f.message)}`);
  if (e.status !== 422 && e.status !== 400) return `${title}: ${e.message}`;
  return fields.length ? `${title}${detail} — ${fields.join('; ')}` : `${title}: ${e.message}`;
}

/** plainError, re-rendered when the language changes. */
export function usePlainError(): (e: unknown) => string {
  useTranslation('errors');
  return plainError;
}
