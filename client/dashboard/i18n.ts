/**
 * English and Chinese for every label and explanation on the page. `zh` is typed by `en`'s
 * keys, so a missing translation is a compile error (and a unit test checks none is empty).
 * The choice defaults from navigator.language and is remembered in localStorage.
 */

import { en, type Key } from './i18n-en.ts';
import { zh } from './i18n-zh.ts';

export { en, type Key, zh };
export type Lang = 'en' | 'zh';

export const DICTIONARIES: Readonly<Record<Lang, Readonly<Record<Key, string>>>> = { en, zh };

/** `{name}` placeholders filled from `vars`; unknown ones are left as they are. */
export function format(template: string, vars: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** The language to start with: the remembered one, else Chinese for a zh* browser, else English. */
export function initialLang(stored: string | null, browser: string | undefined): Lang {
  if (stored === 'en' || stored === 'zh') return stored;
  return browser?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** The current language, and the listeners that re-render when it changes. */
let current: Lang = 'en';
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}

/** A label in the current language, with placeholders filled. */
export function t(key: Key, vars?: Readonly<Record<string, string | number>>): string {
  return format(DICTIONARIES[current][key], vars);
}

/** Switches language and calls every listener (static labels, charts, dynamic text). */
export function setLang(next: Lang): void {
  current = next;
  for (const l of listeners) l();
}

/** Registers `render` to run on every language change; returns the unregister function. */
export function onLangChange(render: () => void): () => void {
  listeners.add(render);
  return () => listeners.delete(render);
}

/** Whether `s` names a key, so `data-i18n` attributes can be checked. */
export function isKey(s: string): s is Key {
  return s in en;
}
