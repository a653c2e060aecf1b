// The screens' words in the user's language: string tables from /ui/i18n/<code>.json, applied to
// elements marked data-i18n (text), data-i18n-placeholder, data-i18n-title, data-i18n-label.

let table = {};
let fallback = {};
let current = "en";
const listeners = new Set();

export function language() {
  return current;
}

export function has(key) {
  return key in table || key in fallback;
}

export function t(key, params = {}) {
  const text = table[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

// A value's words, `prefix.value` in the table ("match.right_item"), or the value itself if it has none.
export function word(prefix, value) {
  const key = `${prefix}.${value}`;
  return has(key) ? t(key) : String(value);
}

export async function languages() {
  const response = await fetch("/ui/i18n");
  return (await response.json()).languages;
}

// The language to start in: the one chosen on this device, else the user's, else the browser's.
export function preferred(available, userLocale) {
  const codes = available.map((l) => l.code);
  const candidates = [localStorage.getItem("kaeru.lang"), userLocale, ...(navigator.languages || [navigator.language])];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const base = candidate.toLowerCase().split(/[-_]/)[0];
    if (codes.includes(base)) return base;
  }
  return "en";
}

async function fetchTable(code) {
  const response = await fetch(`/ui/i18n/${code}.json`);
  if (!response.ok) throw new Error(`no strings for ${code}`);
  return response.json();
}

export async function setLanguage(code, { remember = true } = {}) {
  if (!Object.keys(fallback).length) fallback = await fetchTable("en");
  table = code === "en" ? fallback : await fetchTable(code);
  current = code;
  document.documentElement.lang = code;
  if (remember) localStorage.setItem("kaeru.lang", code);
  apply(document);
  for (const listener of listeners) listener(code);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}

export function apply(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  const title = document.querySelector("title[data-i18n]");
  if (title) document.title = t(title.dataset.i18n);
}

// Numbers and times in the current language's own form.
export function number(value, options) {
  return new Intl.NumberFormat(current, options).format(value);
}
