import { ApiError, request, signIn } from "../api.js";
import * as i18n from "../i18n.js";
import { show } from "../feedback.js";

const HOME = { associate: "/ui/returns", packer: "/ui/pack", picker: "/ui/pick", receiver: "/ui/receive", manager: "/ui/dashboard", admin: "/ui/dashboard" };

// Only paths of these screens: never send a fresh token somewhere else.
function destination(role) {
  const next = new URLSearchParams(location.search).get("next");
  if (next && /^\/ui\/[a-z]+(\?[\w=&%.-]*)?$/.test(next)) return next;
  return HOME[role] || "/ui/returns";
}

async function main() {
  const available = await i18n.languages();
  const wanted = new URLSearchParams(location.search).get("lang");
  await i18n.setLanguage(wanted || i18n.preferred(available, null), { remember: Boolean(wanted) });
  const select = document.querySelector("select.lang");
  select.replaceChildren(...available.map((l) => new Option(l.name, l.code)));
  select.value = i18n.language();
  select.addEventListener("change", () => i18n.setLanguage(select.value));
  document.body.classList.add("ready");
  const banner = document.getElementById("banner");
  document.getElementById("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      const answer = await request("POST", "/api/v1/auth/login", {
        json: { username: form.username.value.trim(), password: form.password.value },
      });
      signIn(answer.token, answer.user);
      location.replace(destination(answer.user.role));
    } catch (error) {
      const detail = error instanceof ApiError ? error.message : i18n.t("error.network");
      show(banner, "wrong", i18n.t("login.failed"), detail);
    }
  });
  document.getElementById("username").focus();
}

main();
