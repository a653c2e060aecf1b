// What every screen shares: the sign-in check, the top bar (who, language, sign out), the
// scanner listener wired to a handler, and the manual entry box for labels that will not scan.

import { get, signedInUser, signOut, token } from "./api.js";
import * as i18n from "./i18n.js";
import { listen } from "./scanner.js";

export { t } from "./i18n.js";

function toLogin() {
  const next = encodeURIComponent(location.pathname + location.search);
  location.replace(`/ui/login?next=${next}`);
}

async function languageSwitch(select, available) {
  select.replaceChildren(...available.map((l) => new Option(l.name, l.code)));
  select.value = i18n.language();
  select.addEventListener("change", () => i18n.setLanguage(select.value));
  i18n.onLanguageChange((code) => { select.value = code; });
}

// Start a screen: returns {me, can(permission)} or null when the user must sign in first.
export async function start() {
  if (!token()) {
    toLogin();
    return null;
  }
  window.addEventListener("kaeru:signed-out", toLogin);
  const user = signedInUser();
  const available = await i18n.languages();
  const wanted = new URLSearchParams(location.search).get("lang");
  await i18n.setLanguage(wanted || i18n.preferred(available, user && user.locale), { remember: Boolean(wanted) });
  let me;
  try {
    me = await get("/api/v1/me");
  } catch {
    toLogin();
    return null;
  }
  const bar = document.querySelector(".topbar");
  if (bar) {
    bar.querySelector(".who").textContent = `${me.name} · ${i18n.t(`role.${me.role}`)}`;
    i18n.onLanguageChange(() => { bar.querySelector(".who").textContent = `${me.name} · ${i18n.t(`role.${me.role}`)}`; });
    await languageSwitch(bar.querySelector("select.lang"), available);
    bar.querySelector(".signout").addEventListener("click", () => {
      signOut();
      location.replace("/ui/login");
    });
  }
  document.body.classList.add("ready");
  return { me, can: (permission) => me.permissions.includes(permission) };
}

// Scans from the keyboard wedge and from the manual entry form go to one handler, one at a time,
// in the order they were read.
export function onScans(handler) {
  let queue = Promise.resolve();
  let seq = 0;
  const run = (scan) => {
    const id = ++seq;
    window.dispatchEvent(new CustomEvent("kaeru:scan", { detail: { id, raw: scan.raw, startedAt: scan.startedAt, endedAt: scan.endedAt } }));
    queue = queue.then(() => handler(scan)).catch((error) => console.error(error)).then(() => {
      window.dispatchEvent(new CustomEvent("kaeru:shown", { detail: { id, at: performance.now() } }));
    });
  };
  listen(run);
  const form = document.querySelector("form.manual");
  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = form.querySelector("input");
      const raw = input.value.trim();
      input.value = "";
      input.blur();
      if (raw) run({ raw, startedAt: performance.now(), endedAt: performance.now(), manual: true });
    });
  }
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}
