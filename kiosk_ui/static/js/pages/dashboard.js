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

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

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
  document.getElementById("d2s-p50").textContent = board.dock ? minutes(percentile(board.dock, 50)) : "—";
  document.getElementById("d2s-p90").textContent = board.dock ? minutes(percentile(board.dock, 90)) : "—";
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

async function loadFloor() {
  const [scans, orders, devices] = await Promise.all([
    liveState === "live" ? null : get("/api/v1/scans?limit=500"), get("/api/v1/orders?limit=500"), get("/api/v1/devices"),
  ]);
  if (scans) {
    board.scans = new Map();
    for (const s of scans) {
      const at = Date.parse(/[Z+]/.test(s.received_at || s.scanned_at) ? s.received_at || s.scanned_at : `${s.received_at || s.scanned_at}Z`);
      board.scans.set(minuteOf(at), (board.scans.get(minuteOf(at)) || 0) + 1);
    }
  }
  board.orders = {};
  for (const order of orders) board.orders[order.status] = (board.orders[order.status] || 0) + 1;
  board.devices = devices;
}

async function loadReturns() {
  const [holds, returns] = await Promise.all([optional("/api/v1/returns/holds"), optional("/api/v1/returns?limit=500")]);
  board.holds = holds;
  if (returns === null) {
    board.backlog = board.grades = board.dispositions = board.dock = null;
    return;
  }
  board.backlog = {};
  board.grades = {};
  board.dispositions = {};
  board.dock = [];
  for (const rma of returns) {
    if (!["completed", "cancelled", "rejected"].includes(rma.status)) board.backlog[rma.status] = (board.backlog[rma.status] || 0) + 1;
    for (const unit of rma.units || []) {
      if (unit.grade) board.grades[unit.grade] = (board.grades[unit.grade] || 0) + 1;
      if (unit.disposition) board.dispositions[unit.disposition] = (board.dispositions[unit.disposition] || 0) + 1;
      if (unit.put_away_at && rma.received_at) {
        const received = Date.parse(/[Z+]/.test(rma.received_at) ? rma.received_at : `${rma.received_at}Z`);
        board.dock.push((Date.parse(unit.put_away_at) - received) / 1000);
      }
    }
  }
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
  if ([...topics].some((topic) => topic.startsWith("return."))) loadReturns().then(render);
  if ([...topics].some((topic) => topic.startsWith("order.") || topic.startsWith("carton.") || topic.startsWith("shipment."))) {
    loadFloor().then(render);
  }
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
  setInterval(() => { if (!document.hidden) refresh().catch(() => {}); }, 10000);
  setInterval(drawScans, 15000);
  document.body.dataset.screen = "ready";
}

main();
