// The live floor dashboard: REST snapshots for the whole picture, the live WebSocket feed for what
// changes between them. Managers review fraud holds here.

import { ApiError, get, mutate } from "../api.js";
import { show } from "../feedback.js";
import * as i18n from "../i18n.js";
import { connect, unpack } from "../live.js";
import { el, start, t } from "../shell.js";

const MINUTES = 30;
const snapshot = { scans: [], orders: {}, devices: [], holds: null, backlog: null, grades: null, dispositions: null, dock: null };
let shell = null;
let liveState = "polling";

function minuteBuckets(times, now = Date.now()) {
  const buckets = new Array(MINUTES).fill(0);
  for (const at of times) {
    const age = Math.floor((now - at) / 60000);
    if (age >= 0 && age < MINUTES) buckets[MINUTES - 1 - age] += 1;
  }
  return buckets;
}

function drawScans() {
  const buckets = minuteBuckets(snapshot.scans);
  document.getElementById("scans-now").textContent = i18n.number(buckets[MINUTES - 1]);
  const svg = document.getElementById("scans-chart");
  const max = Math.max(1, ...buckets);
  const width = 600 / MINUTES;
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren(...buckets.map((count, i) => {
    const rect = document.createElementNS(ns, "rect");
    const height = (count / max) * 120;
    rect.setAttribute("x", String(i * width + 2));
    rect.setAttribute("y", String(130 - height));
    rect.setAttribute("width", String(width - 4));
    rect.setAttribute("height", String(Math.max(height, count ? 2 : 0)));
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
  const entries = Object.entries(counts);
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
  for (const device of snapshot.devices) {
    const key = device.station || "—";
    if (!byStation.has(key)) byStation.set(key, []);
    byStation.get(key).push(device);
  }
  for (const [station, devices] of byStation) {
    container.append(el("div", { class: "station" }, el("strong", { text: station }),
      ...devices.map((d) => {
        const state = d.state || "unknown";
        const label = `${d.code} · ${t(`device.${state}`)}${d.detail ? ` — ${d.detail}` : ""}`;
        return el("span", { class: `chip ${state}`, dataset: { device: d.code, state }, text: label });
      })));
  }
}

function drawHolds() {
  const container = document.getElementById("holds");
  container.replaceChildren();
  if (snapshot.holds === null) {
    container.append(el("div", { class: "muted", text: t("dash.not_available") }));
    return;
  }
  if (!snapshot.holds.length) {
    container.append(el("div", { class: "muted", text: t("dash.no_holds") }));
    return;
  }
  const reviewer = shell.can("returns.review");
  for (const hold of snapshot.holds) {
    const actions = reviewer ? el("div", { class: "row" },
      el("button", { class: "go", dataset: { action: "approve" }, text: t("dash.approve"), onclick: () => review(hold, "approve") }),
      el("button", { class: "danger", dataset: { action: "reject" }, text: t("dash.reject"), onclick: () => review(hold, "reject") }))
      : null;
    container.append(el("div", { class: "hold", dataset: { hold: String(hold.id) } },
      el("strong", { text: `${hold.rma || ""} ${hold.reason || ""}`.trim() }),
      el("div", { class: "evidence", text: (hold.evidence || []).join(" · ") }), actions));
  }
}

function render() {
  drawScans();
  bars(document.getElementById("orders"), snapshot.orders, (s) => t(`order.${s}`));
  drawDevices();
  drawHolds();
  bars(document.getElementById("backlog"), snapshot.backlog);
  bars(document.getElementById("grades"), snapshot.grades);
  bars(document.getElementById("dispositions"), snapshot.dispositions);
  document.getElementById("d2s-p50").textContent = snapshot.dock ? snapshot.dock.p50 : "—";
  document.getElementById("d2s-p90").textContent = snapshot.dock ? snapshot.dock.p90 : "—";
  const stateEl = document.getElementById("live-state");
  stateEl.className = `live-state ${liveState}`;
  stateEl.dataset.i18n = `dash.${liveState}`;
  stateEl.textContent = t(`dash.${liveState}`);
}

async function review(hold, decision) {
  const banner = document.getElementById("banner");
  banner.classList.remove("hidden");
  try {
    await mutate("POST", hold.review_url, { decision });
    show(banner, "good", t(decision === "approve" ? "dash.approved" : "dash.rejected"), hold.rma || "");
  } catch (error) {
    show(banner, "wrong", t("dash.review_failed"), error instanceof ApiError ? error.message : t("error.network"));
  }
  await loadSnapshot();
}

async function loadSnapshot() {
  const [scans, orders, devices] = await Promise.all([
    get("/api/v1/scans?limit=500"), get("/api/v1/orders?limit=500"), get("/api/v1/devices"),
  ]);
  snapshot.scans = scans.map((s) => Date.parse(s.scanned_at.endsWith("Z") || s.scanned_at.includes("+") ? s.scanned_at : `${s.scanned_at}Z`));
  snapshot.orders = {};
  for (const order of orders) snapshot.orders[order.status] = (snapshot.orders[order.status] || 0) + 1;
  snapshot.devices = devices;
  render();
}

function onLive(event) {
  const { topic, payload } = unpack(event);
  if (topic === "scan") {
    snapshot.scans.push(Date.now());
  } else if (topic === "device.health") {
    const device = snapshot.devices.find((d) => d.code === payload.device);
    if (device) Object.assign(device, { state: payload.state, detail: payload.detail });
    else snapshot.devices.push({ code: payload.device, kind: payload.kind, state: payload.state, detail: payload.detail, station: null });
  }
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
        const answer = await mutate("POST", "/api/v1/picking/release", { warehouse: "WH1", mode: "single" });
        show(banner, "good", t("dash.released", { tasks: answer.tasks.length }));
      } catch (error) {
        show(banner, "wrong", t("dash.release_failed"), error instanceof ApiError ? error.message : t("error.network"));
      }
    });
  }
  i18n.onLanguageChange(render);
  await loadSnapshot();
  connect({ onEvent: onLive, onState: (s) => { liveState = s === "live" ? "live" : "polling"; render(); } });
  setInterval(() => { if (!document.hidden) loadSnapshot().catch(() => {}); }, 5000);
  setInterval(drawScans, 15000);
  document.body.dataset.screen = "ready";
}

main();
