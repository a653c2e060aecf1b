// Picker view for a handheld: take the next task, go to the location, scan it, scan each unit,
// report a short when the bin holds less than asked.

import { ApiError, mutate, postScan } from "../api.js";
import { show, signal } from "../feedback.js";
import * as i18n from "../i18n.js";
import { onScans, start, t } from "../shell.js";

const banner = document.getElementById("banner");
let task = null;

function render() {
  const next = task && task.next;
  document.getElementById("location").textContent = next ? next.location : "—";
  document.getElementById("sku").textContent = next ? next.sku : "—";
  document.getElementById("name").textContent = next ? next.name : "";
  document.getElementById("quantity").textContent = next ? i18n.number(next.quantity) : "—";
  const step = document.getElementById("step");
  step.classList.toggle("hidden", !next);
  if (next) {
    step.textContent = next.location_confirmed
      ? t(next.serial_tracked ? "pick.scan_serial" : "pick.scan_item")
      : t("pick.scan_location", { location: next.location });
  }
  document.getElementById("remaining").textContent = next ? t("pick.remaining", { lines: task.remaining_lines }) : "";
  document.getElementById("short").disabled = !next;
  document.getElementById("next-task").classList.toggle("hidden", Boolean(next));
}

async function nextTask() {
  try {
    const answer = await mutate("POST", "/api/v1/picking/next", undefined);
    task = answer.task;
    if (task && task.next) show(banner, "info", t("pick.go_to", { location: task.next.location }));
    else show(banner, "info", t("pick.no_tasks"));
  } catch (error) {
    signal(banner, "wrong", t("pick.no_task_taken"), error instanceof ApiError ? error.message : t("error.network"));
  }
  render();
}

async function handleScan(scan) {
  if (!task || !task.next) {
    signal(banner, "wrong", t("pick.no_tasks"), t("pick.take_task_first"));
    return;
  }
  let result;
  try {
    result = await postScan(scan.raw, { onRetry: () => show(banner, "info", t("shell.retrying")) });
  } catch {
    signal(banner, "wrong", t("error.network"), t("shell.scan_again"));
    return;
  }
  if (!result.ok) {
    signal(banner, "wrong", t("pick.wrong"), result.message);
    return;
  }
  task = result.data;
  if (!task.next) signal(banner, "good", t("pick.task_done"), t("pick.take_next"));
  else if (result.kind === "location") signal(banner, "good", t("pick.at_location", { location: task.next.location }), "");
  else signal(banner, "good", t("pick.picked", { sku: result.parsed.code || task.next.sku }), result.message);
  render();
}

async function reportShort(missing) {
  try {
    const answer = await mutate("POST", `/api/v1/picking/tasks/${task.task_id}/short`, { missing });
    task = { task_id: answer.task_id, status: answer.status, next: answer.next, remaining_lines: answer.remaining_lines };
    signal(banner, "hold", t("pick.short_reported"), answer.message);
  } catch (error) {
    signal(banner, "wrong", t("pick.short_refused"), error instanceof ApiError ? error.message : t("error.network"));
  }
  render();
}

async function main() {
  const shell = await start();
  if (!shell) return;
  document.getElementById("next-task").addEventListener("click", nextTask);
  const dialog = document.getElementById("short-dialog");
  document.getElementById("short").addEventListener("click", () => {
    document.getElementById("missing").value = String(task.next.quantity);
    dialog.showModal();
  });
  dialog.addEventListener("close", () => {
    const missing = Number(document.getElementById("missing").value);
    if (dialog.returnValue === "confirm" && missing > 0) reportShort(missing);
  });
  i18n.onLanguageChange(render);
  onScans(handleScan);
  await nextTask();
  document.body.dataset.screen = "ready";
}

main();
