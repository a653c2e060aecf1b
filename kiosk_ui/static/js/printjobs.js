// What became of a label: each print job of an order or a graded unit with its state in the printer's
// words (queued, waiting for the printer and why, printed, failed), followed until it is printed or
// failed, with a reprint once it is. A screen never claims a label printed that is still queued.

import { ApiError, get, mutate } from "./api.js";
import * as i18n from "./i18n.js";
import { el, t } from "./shell.js";

const OPEN = new Set(["queued", "waiting", "printing"]);
const POLL_MS = 1000;

const word = i18n.word;

// Follow the jobs found by `query` (e.g. "order=PK-1") in `list` (an element); `onProblem(job)` is
// called once for each job that turns out waiting or failed.
export function watchJobs(list, query, { onProblem = () => {} } = {}) {
  let jobs = [];
  let timer = null;
  let stopped = false;
  let empty = 0;
  const told = new Set();

  async function reprint(job) {
    try {
      await mutate("POST", `/api/v1/print-jobs/${encodeURIComponent(job.id)}/reprint`, {});
    } catch (error) {
      onProblem({ ...job, state: "failed", reason: error instanceof ApiError ? error.message : t("error.network") });
    }
    await poll();
  }

  function render() {
    list.replaceChildren(...jobs.map((job) => el("li", { dataset: { job: job.id, label: job.label, state: job.state } },
      el("strong", { text: word("print.label", job.label) }), " ",
      el("span", { class: `badge ${OPEN.has(job.state) ? (job.state === "waiting" ? "warn" : "") : job.state === "printed" ? "ok" : "bad"}`,
        text: word("print.state", job.state) }),
      job.reason && job.state !== "printed" ? el("span", { class: "muted", text: ` ${job.reason}` }) : null,
      OPEN.has(job.state) ? null : el("button", { class: "reprint", text: t("print.reprint"), onclick: () => reprint(job) }))));
  }

  async function poll() {
    if (stopped) return;
    clearTimeout(timer);
    try {
      jobs = await get(`/api/v1/print-jobs?${query}`);
    } catch {
      // The list keeps its last known states; the next poll tries again.
    }
    for (const job of jobs) {
      if ((job.state === "waiting" || job.state === "failed") && !told.has(`${job.id}:${job.state}`)) {
        told.add(`${job.id}:${job.state}`);
        onProblem(job);
      }
    }
    render();
    // Jobs are queued with the change that asked for them; none after a few looks: nothing to follow.
    if (jobs.some((job) => OPEN.has(job.state)) || (jobs.length === 0 && ++empty < 5)) timer = setTimeout(poll, POLL_MS);
  }

  i18n.onLanguageChange(render);
  poll();
  return { stop() { stopped = true; clearTimeout(timer); }, refresh: poll };
}
