// The live floor dashboard. The live WebSocket (/api/v1/live) gives a snapshot on connect and then
// merged updates; REST snapshots fill in what the feed does not carry (returns mix, holds) and
// stand in for the feed while it is down. Managers review fraud holds here.

import { ApiError, get, mutate } from "../api.js";
import { evidenceLines } from "../evidence.js";
import { show } from "../feedback.js";
import * as i18n from "../i18n.js";
import { connect } from "../live.js";
import { el, start, t } from "../shell.js";

const MINUTES = 15;
const params = new URLSearchParams(location.search);
const warehouse = params.get("warehouse") || "WH1";
const board = {
  scans: new Map(), // minute number (ms / 60000) -> scans received in it
  orders: {},
  devices: [],
  holds: null,
  backlog: null,
  grades: null,
  dispositions: null,
  dock: null,
};
let shell = null;
let liveState = "polling";

const minuteOf = (ms) => Math.floor(ms / 60000);

const label = i18n.word;

function drawScans() {
  const now = minuteOf(Date.now());
  const buckets = Array.from({ length: MINUTES }, (_, i) => board.scans.get(now - (MINUTES - 1 - i)) || 0);
  document.getElementById("scans-now").textContent = i18n.number(buckets[MINUTES - 1]);
  const svg = document.getElementById("scans-chart");
  const max = Math.max(1, ...buckets);
  const width = 600 / MINUTES;
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren(...buckets.map((count, i) => {
    const rect = document.createElementNS(ns, "rect");
    const height = (count / max) * 120;
    rect.setAttribute("x", String(i * width + 3));
    rect.setAttribute("y", String(130 - height));
    rect.setAttribute("width", String(width - 6));
    rect.setAttribute("height", String(count ? Math.max(height, 3) : 0));
    rect.setAttribute("fill", i === MINUTES - 1 ? "#35c759" : "#4da3ff");
    return rect;
  }));
}

function bars(container, counts, labelOf = (k) => k) {
  container.replaceChildren();
  if (counts === null) {
    container.append(el("div", { class: "muted", text: t("dash.not_available") }));
    return;
  }
  const entries = Object.entries(counts).filter(([, v]) => v > 0);
  if (!entries.length) {
    container.append(el("div", { class: "muted", text: t("dash.none") }));
    return;
  }
  const max = Math.max(1, ...entries.map(([, v]) => v));
  for (const [key, value] of entries) {
    const fill = el("div", { class: "fill" });
    fill.style.width = `${(value / max) * 100}%`;
    container.append(el("div", { class: "bar", dataset: { key } },
      el("span", { text: labelOf(key) }), el("div", { class: "track" }, fill),
      el("span", { class: "value", text: i18n.number(value) })));
  }
}

function drawDevices() {
  const container = document.getElementById("devices");
  container.replaceChildren();
  const byStation = new Map();
  for (const device of board.devices) {
    const key = device.station || "—";
    if (!byStation.has(key)) byStation.set(key, []);
    byStation.get(key).push(device);
  }
  for (const [station, devices] of byStation) {
    container.append(el("div", { class: "station" }, el("strong", { text: station }),
      ...devices.map((d) => {
        const state = d.state || "unknown";
        const text = `${d.code} · ${label("device", state)}${d.detail ? ` — ${d.detail}` : ""}`;
        return el("span", { class: `chip ${state}`, dataset: { device: d.code, state }, text });
      })));
  }
}

function evidenceText(evidence) {
  return Object.entries(evidence || {}).map(([signal, facts]) => `${label("signal", signal)} — ${evidenceLines(facts).join(" · ")}`);
}

function drawHolds() {
  const container = document.getElementById("holds");
  container.replaceChildren();
  if (board.holds === null) {
    container.append(el("div", { class: "muted", text: t("dash.not_available") }));
    return;
  }
  if (!board.holds.length) {
    container.append(el("div", { class: "muted", text: t("dash.no_holds") }));
    return;
  }
  const reviewer = shell.can("returns.review");
  for (const hold of board.holds) {
    const actions = reviewer ? el("div", { class: "row" },
      el("button", { class: "go", dataset: { action: "approve" }, text: t("dash.approve"), onclick: () => review(hold, true) }),
      el("button", { class: "danger", dataset: { action: "reject" }, text: t("dash.reject"), onclick: () => review(hold, false) }))
      : null;
    container.append(el("div", { class: "hold", dataset: { hold: String(hold.id), rma: hold.rma } },
      el("strong", { text: `${hold.rma} · ${hold.signals.map((s) => label("signal", s)).join(", ")}` }),
      ...evidenceText(hold.evidence).map((line) => el("div", { class: "evidence", text: line })), actions));
  }
}

function render() {
  drawScans();
  bars(document.getElementById("orders"), board.orders, (s) => label("order", s));
  drawDevices();
  drawHolds();
  bars(document.getElementById("backlog"), board.backlog, (s) => label("rstatus", s));
  bars(document.getElementById("grades"), board.grades, (g) => `${g} ${label("grade", g)}`);
  bars(document.getElementById("dispositions"), board.dispositions, (d) => label("disposition", d));
  const minutes = (s) => (s == null ? "—" : i18n.number(s / 60, { maximumFractionDigits: 1 }));
  document.getElementById("d2s-p50").textContent = board.dock ? minutes(board.dock.p50) : "—";
  document.getElementById("d2s-p90").textContent = board.dock ? minutes(board.dock.p90) : "—";
  const stateEl = document.getElementById("live-state");
  stateEl.className = `live-state ${liveState}`;
  stateEl.dataset.i18n = `dash.${liveState}`;
  stateEl.textContent = t(`dash.${liveState}`);
}

async function review(hold, approve) {
  const banner = document.getElementById("banner");
  banner.classList.remove("hidden");
  try {
    await mutate("POST", `/api/v1/returns/holds/${hold.id}/${approve ? "approve" : "reject"}`, { note: "" });
    show(banner, "good", t(approve ? "dash.approved" : "dash.rejected"), hold.rma);
  } catch (error) {
    show(banner, "wrong", t("dash.review_failed"), error instanceof ApiError ? error.message : t("error.network"));
  }
  await loadReturns();
  render();
}

// What may be missing on this server (an area not installed) reads as "not reported".
async function optional(path) {
  try {
    return await get(path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

// The floor's figures, counted by the server at any size (orders by state, devices, returns by stage).
async function loadFloor() {
  const summary = await get(`/api/v1/live/summary?warehouse=${encodeURIComponent(warehouse)}`);
  const scans = board.scans;
  onSnapshot(summary.data || {});
  if (liveState === "live") board.scans = scans; // the socket keeps the per-minute counts itself
}

const GRADE_ORDER = ["A", "B", "C", "D"];
const byGrade = (a, b) => (GRADE_ORDER.indexOf(a) + 1 || 99) - (GRADE_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b);
const counted = (shares, order) => Object.fromEntries([...(shares || [])].sort((x, y) => order(x.key, y.key)).map((s) => [s.key, s.count]));

// The returns figures of the last 30 days, from the insight aggregates; holds to review.
async function loadReturns() {
  const since = new Date(Date.now() - 30 * 86400 * 1000).toISOString();
  const [holds, insight] = await Promise.all([
    optional("/api/v1/returns/holds"),
    optional(`/api/v1/insight/returns?warehouse=${encodeURIComponent(warehouse)}&since=${encodeURIComponent(since)}`),
  ]);
  board.holds = holds;
  if (insight === null) {
    board.grades = board.dispositions = board.dock = null;
    return;
  }
  board.grades = counted(insight.grades.overall, byGrade);
  board.dispositions = counted(insight.dispositions.overall, (a, b) => a.localeCompare(b));
  board.dock = insight.dock_to_stock;
}

async function refresh() {
  await Promise.all([loadFloor(), loadReturns()]);
  render();
}

function onSnapshot(data) {
  board.scans = new Map();
  for (const bucket of data.scans_per_minute || []) board.scans.set(minuteOf(Date.parse(bucket.minute) - 1), bucket.total);
  board.orders = { ...(data.orders_by_state || {}) };
  board.devices = (data.devices || []).map((d) => ({ ...d, code: d.device }));
  const stages = data.returns && data.returns.by_stage;
  board.backlog = stages ? Object.fromEntries(Object.entries(stages).filter(([s]) => !["completed", "cancelled", "rejected"].includes(s))) : null;
}

// Events only say that something changed: the counts are fetched again, at most once per interval.
const pending = new Map();
function later(name, load, ms = 2000) {
  if (pending.has(name)) return;
  pending.set(name, setTimeout(() => {
    load().then(render).catch(() => {}).finally(() => pending.delete(name));
  }, ms));
}

function onUpdate(update) {
  const counts = update.counts || {};
  if (counts.scan) {
    const now = minuteOf(Date.now());
    board.scans.set(now, (board.scans.get(now) || 0) + (counts.scan.total || 0));
  }
  for (const event of (update.latest && update.latest["device.health"]) || []) {
    const p = event.payload || {};
    const device = board.devices.find((d) => d.code === p.device);
    if (device) Object.assign(device, { state: p.state, detail: p.detail });
    else board.devices.push({ code: p.device, kind: p.kind, state: p.state, detail: p.detail, station: null });
  }
  const topics = new Set((update.events || []).map((e) => e.topic));
  for (const topic of Object.keys(counts)) topics.add(topic);
  if ([...topics].some((topic) => topic.startsWith("return."))) later("returns", loadReturns);
  if ([...topics].some((topic) => /^(order|carton|shipment|return)\./.test(topic))) later("floor", loadFloor);
}

function onMessage(message) {
  if (message.type === "snapshot") onSnapshot(message.data || {});
  else if (message.type === "update") onUpdate(message);
  window.dispatchEvent(new CustomEvent("kaeru:live", { detail: message }));
  render();
}

async function main() {
  shell = await start();
  if (!shell) return;
  if (!shell.can("dashboard.view")) {
    document.getElementById("board").replaceChildren(el("div", { class: "denied", dataset: { denied: "1" }, text: t("dash.managers_only") }));
    document.body.dataset.screen = "denied";
    return;
  }
  if (shell.can("picking.plan")) {
    document.getElementById("actions-card").classList.remove("hidden");
    document.getElementById("release").addEventListener("click", async () => {
      const banner = document.getElementById("banner");
      banner.classList.remove("hidden");
      try {
        const answer = await mutate("POST", "/api/v1/picking/release", { warehouse, mode: "single" });
        show(banner, "good", t("dash.released", { tasks: answer.tasks.length }));
      } catch (error) {
        show(banner, "wrong", t("dash.release_failed"), error instanceof ApiError ? error.message : t("error.network"));
      }
    });
  }
  i18n.onLanguageChange(render);
  await refresh();
  connect({
    path: `/api/v1/live?warehouse=${encodeURIComponent(warehouse)}`,
    onMessage,
    onState: (s) => { liveState = s === "live" ? "live" : "polling"; render(); },
  });
  // Devices and counts come over the socket; without it, the counts are fetched every 10 s.
  setInterval(() => { if (!document.hidden && liveState !== "live") refresh().catch(() => {}); }, 10000);
  setInterval(drawScans, 15000);
  document.body.dataset.screen = "ready";
}

main();
