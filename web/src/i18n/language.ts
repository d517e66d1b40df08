import { i18n, LANGUAGES, type Language } from './index.ts';

/**
 * The console's language is chosen per user: the console knows a user by the API key they sign in
 * with, so the choice is kept per key (localStorage `outbound.language.<keyId>`). Before sign-in,
 * and for a key that never chose, the last language chosen in this browser, else the browser's.
 */
const LAST = 'outbound.language';
const forKey = (keyId: string) => `${LAST}.${keyId}`;

function valid(l: string | null | undefined): Language | null {
  return (LANGUAGES as readonly string[]).includes(l ?? '') ? (l as Language) : null;
}

function fromBrowser(): Language {
  return navigator.languages.some((l) => l.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en';
}

function apply(l: Language): void {
  document.documentElement.lang = l;
  if (i18n.language !== l) void i18n.changeLanguage(l);
}

/** At start, before anyone signs in. */
export function initialLanguage(): void {
  apply(valid(localStorage.getItem(LAST)) ?? fromBrowser());
}

/** After sign-in: the key's own choice, if it made one. */
export function languageForKey(keyId: string): void {
  const own = valid(localStorage.getItem(forKey(keyId)));
  if (own) apply(own);
}

/** The user picks a language (keyId: who is signed in, if anyone). */
export function chooseLanguage(l: Language, keyId?: string): void {
  localStorage.setItem(LAST, l);
  if (keyId) localStorage.setItem(forKey(keyId), l);
  apply(l);
}

export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'zh-CN': '中文' };
