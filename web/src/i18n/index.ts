import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

/**
 * The console's languages. Every namespace is one JSON file per language under `locales/`;
 * a key missing in any language fails test/unit/console-i18n.test.ts.
 */
export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

const files = import.meta.glob<{ default: Record<string, unknown> }>('./locales/*/*.json', {
  eager: true,
});

const resources: Record<string, Record<string, Record<string, unknown>>> = {};
for (const [path, mod] of Object.entries(files)) {
  const m = /\.\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
  if (!m) continue;
  (resources[m[1]!] ??= {})[m[2]!] = mod.default;
}

void i18n.use(initReactI18next).init({
  resources,
  lng: 'en',
  fallbackLng: false,
  supportedLngs: [...LANGUAGES],
  defaultNS: 'common',
  ns: Object.keys(resources.en ?? {}),
  interpolation: { escapeValue: false },
  returnNull: false,
});

export { i18n };
