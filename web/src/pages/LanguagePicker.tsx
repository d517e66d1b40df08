import { SegmentedControl } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language } from '../i18n/index.ts';
import { chooseLanguage, LANGUAGE_NAMES } from '../i18n/language.ts';

/** English / 中文, kept for the signed-in key (or this browser before sign-in). */
export function LanguagePicker({ keyId }: { keyId?: string }) {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('shell.language')}
      data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
      value={i18n.language}
      onChange={(v) => chooseLanguage(v as Language, keyId)}
      data-testid="language"
    />
  );
}
