// The page's language and everything formatted for it. Strings live in
// strings.json (one file, nine languages; a unit test of the web component
// fails when a key is missing in any of them). Dates, times, money and
// language names come from the browser's Intl, in the user's time zone.

export const LANGUAGES = ['en', 'es', 'it', 'fr', 'nl', 'de', 'zh', 'pt', 'pl'];
const CHOSEN_KEY = 'help-center.lang';

let strings = {};
let current = 'en';
let locale = 'en';

/** Loads the strings; they sit next to this module under the same versioned URL. */
export async function loadStrings() {
  const response = await fetch(new URL('./strings.json', import.meta.url));
  if (!response.ok) throw new Error(`strings.json: HTTP ${response.status}`);
  strings = await response.json();
}

function supported(tag) {
  const primary = String(tag || '').split(/[-_]/)[0].toLowerCase();
  return LANGUAGES.includes(primary) ? primary : null;
}

/**
 * The language to show: the one picked in the switcher on this device, else
 * the signed-in user's, else the browser's, else English.
 */
export function preferredLanguage(user) {
  let chosen = null;
  try {
    chosen = localStorage.getItem(CHOSEN_KEY);
  } catch {
    // Storage can be blocked; the choice then lasts until the page reloads.
  }
  return (
    supported(chosen) ||
    supported(user?.lang) ||
    (navigator.languages || [navigator.language]).map(supported).find(Boolean) ||
    'en'
  );
}

/** Remembers the switcher's choice on this device. */
export function rememberChoice(lang) {
  try {
    localStorage.setItem(CHOSEN_KEY, lang);
  } catch {
    // See preferredLanguage.
  }
}

/** Switches the page's language; `<html lang>` follows. */
export function setLanguage(lang) {
  current = supported(lang) || 'en';
  // Format like the browser when it speaks this language (en-GB dates for en-GB), else the bare code.
  const browser = (navigator.languages || [navigator.language]).find((tag) => supported(tag) === current);
  locale = browser || (current === 'zh' ? 'zh-CN' : current);
  document.documentElement.lang = current;
}

export function lang() {
  return current;
}

/** The string `key` in the page's language, with `{name}` placeholders filled. */
export function t(key, params = {}) {
  const text = strings[current]?.[key] ?? strings.en?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

/** The label of an API value (`state`, `status`, `channel`...): its string, else the value itself. */
export function label(prefix, value) {
  const key = `${prefix}.${value}`;
  return strings.en?.[key] === undefined ? String(value ?? '').replaceAll('_', ' ') : t(key);
}

/** A language's name in its own language, for the switcher. */
export function nativeName(code) {
  return strings[code]?.['lang.native'] ?? code;
}

/** A language's name in the page's language. */
export function languageName(code) {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(code) || code;
  } catch {
    return code;
  }
}

/** A list joined the way the language joins lists. */
export function list(items) {
  try {
    return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

/** API times are Unix seconds (or RFC 3339 text); `null` when absent or unreadable. */
export function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A date and time in the user's time zone, e.g. "24 Nov 2026, 10:00". */
export function dateTime(value) {
  const date = toDate(value);
  return date ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date) : '';
}

/** A date without the time. */
export function dateOnly(value) {
  const date = toDate(value);
  return date ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date) : '';
}

/** When something opens: the weekday, date and time, e.g. "Tuesday 24 November, 08:00". */
export function opening(value) {
  const date = toDate(value);
  if (!date) return '';
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: 'numeric',
    minute: '2-digit',
  }).format(date);
}

/** `{amount, currency}` in minor units, formatted for the locale. */
export function money(value) {
  if (!value || typeof value.amount !== 'number' || typeof value.currency !== 'string') return '';
  try {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency });
    const digits = format.resolvedOptions().maximumFractionDigits;
    return format.format(value.amount / 10 ** digits);
  } catch {
    return `${value.amount} ${value.currency}`;
  }
}

/** An attribute value for `<time datetime>`. */
export function isoDate(value) {
  return toDate(value)?.toISOString() ?? '';
}
