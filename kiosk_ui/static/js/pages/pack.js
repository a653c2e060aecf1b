// Pack station: scan the order, verify each unit by scan, weigh, close the carton (which queues the
// shipping label and the return label), hand it to the carrier.

import { ApiError, get, mutate, postScan, request } from "../api.js";
import { show, signal } from "../feedback.js";
import * as i18n from "../i18n.js";
import { watchJobs } from "../printjobs.js";
import { el, onScans, start, t } from "../shell.js";

const station = new URLSearchParams(location.search).get("station") || "PACK-1";
const banner = document.getElementById("banner");
const state = { order: null, carton: null, shipment: null, weight: null, stable: false };

function render() {
  document.getElementById("order-number").textContent = state.order ? state.order.number : "—";
  const merchant = document.getElementById("merchant");  // whose order: the brand on its labels
  merchant.classList.toggle("hidden", !(state.order && state.order.merchant));
  merchant.textContent = state.order && state.order.merchant ? state.order.merchant : "";
  document.getElementById("sscc").textContent = state.carton ? state.carton.sscc : "—";
  const lines = document.getElementById("lines");
  lines.replaceChildren();
  if (state.order) {
    for (const line of state.order.lines) {
      const packed = packedCount(line.sku);
      const done = packed >= line.picked && line.picked > 0;
      lines.append(el("li", { class: done ? "done" : "", dataset: { sku: line.sku } },
        el("span", { class: "mark", text: done ? "✔" : "□" }),
        el("span", {}, el("strong", { text: line.sku }), " ", el("span", { class: "muted", text: line.name })),
        el("span", { class: "count", text: `${packed} / ${line.picked}` })));
    }
  }
  const open = state.carton && state.carton.status === "open";
  document.getElementById("close").disabled = !(open && state.carton.contents.length);
  document.getElementById("ship").disabled = !(state.shipment && state.shipment.status === "label_created");
  const grams = typedWeight() ?? state.weight;
  document.getElementById("weight").textContent = grams == null ? "—" : `${i18n.number(grams)} g`;
  const badge = document.getElementById("weight-state");
  if (typedWeight() != null) setBadge(badge, "ok", "pack.weight_typed");
  else if (state.weight == null) setBadge(badge, "warn", "pack.no_scale");
  else setBadge(badge, state.stable ? "ok" : "warn", state.stable ? "pack.stable" : "pack.unstable");
}

function setBadge(badge, kind, key) {
  badge.className = `badge ${kind}`;
  badge.dataset.i18n = key;
  badge.textContent = t(key);
}

function packedCount(sku) {
  if (!state.carton) return 0;
  return state.carton.contents.filter((c) => c.sku === sku).reduce((n, c) => n + c.quantity, 0);
}

function typedWeight() {
  const value = Number(document.getElementById("typed-weight").value);
  return value > 0 ? Math.round(value) : null;
}

async function loadOrder(number) {
  const orders = await get(`/api/v1/orders?number=${encodeURIComponent(number)}`);
  return orders[0] || null;
}

async function refresh() {
  const [carton, order] = await Promise.all([
    state.carton ? get(`/api/v1/packing/cartons/${state.carton.sscc}`) : null,
    state.order ? loadOrder(state.order.number) : null,
  ]);
  if (carton) state.carton = carton;
  if (order) state.order = order;
  render();
}

// A reloaded screen carries on with the carton still open at this station.
async function resume(assignment) {
  const open = assignment && assignment.ref_type === "carton" && assignment.state && assignment.state.sscc;
  if (!open) return;
  const carton = await get(`/api/v1/packing/cartons/${assignment.state.sscc}`);
  if (carton.status !== "open") return;
  state.carton = carton;
  state.order = await loadOrder(assignment.state.order);
  signal(banner, "info", t("pack.resumed", { order: assignment.state.order }), t("pack.scan_items"));
  render();
}

async function handleScan(scan) {
  let result;
  try {
    result = await postScan(scan.raw, { onRetry: () => show(banner, "info", t("shell.retrying")) });
  } catch (error) {
    signal(banner, "wrong", t("error.network"), t("shell.scan_again"));
    return;
  }
  if (!result.ok) {
    signal(banner, "wrong", t("pack.wrong"), result.message);
    return;
  }
  const data = result.data || {};
  if (data.order && data.carton && data.left_to_pack === undefined) {
    state.shipment = null;
    [state.order, state.carton] = await Promise.all([loadOrder(data.order), get(`/api/v1/packing/cartons/${data.carton}`)]);
    document.getElementById("labels-card").classList.add("hidden");
    signal(banner, "good", t("pack.started", { order: data.order }), t("pack.scan_items"));
  } else if (data.left_to_pack !== undefined) {
    await refresh();
    const headline = data.left_to_pack === 0 ? t("pack.all_packed") : t("pack.packed", { sku: data.sku, left: data.left_to_pack });
    signal(banner, "good", headline, data.left_to_pack === 0 ? t("pack.weigh_and_close") : "");
  } else {
    signal(banner, "good", result.message);
  }
  render();
}

let labels = null;
function followLabels(sscc) {
  if (labels) labels.stop();
  labels = watchJobs(document.getElementById("labels-jobs"), `sscc=${encodeURIComponent(sscc)}`, {
    onProblem: (job) => signal(banner, "hold", t("print.problem", { label: i18n.word("print.label", job.label) }), job.reason),
  });
}

async function closeCarton() {
  const body = { station };
  const typed = typedWeight();
  if (typed != null) body.weight_g = typed;
  if (document.getElementById("override").checked) body.accept_weight_override = true;
  try {
    state.carton = await mutate("POST", `/api/v1/packing/cartons/${state.carton.sscc}/close`, body);
    state.shipment = state.carton.shipment;
    document.getElementById("tracking").textContent = state.shipment.tracking_number;
    document.getElementById("labels-detail").textContent = t("pack.labels_queued");
    document.getElementById("labels-card").classList.remove("hidden");
    signal(banner, "good", t("pack.closed"), t("pack.labels_queued"));
    followLabels(state.carton.sscc);
  } catch (error) {
    signal(banner, "wrong", t("pack.not_closed"), error instanceof ApiError ? error.message : t("error.network"));
  }
  render();
}

async function shipCarton() {
  try {
    const shipped = await mutate("POST", `/api/v1/shipments/${state.shipment.tracking_number}/ship`, undefined);
    state.shipment.status = shipped.status;
    signal(banner, "good", t("pack.shipped", { tracking: shipped.tracking_number }), t("pack.scan_order"));
    state.order = null;
    state.carton = null;
    document.getElementById("typed-weight").value = "";
  } catch (error) {
    signal(banner, "wrong", t("pack.not_shipped"), error instanceof ApiError ? error.message : t("error.network"));
  }
  render();
}

async function pollScale() {
  try {
    const s = await get(`/api/v1/stations/${encodeURIComponent(station)}`);
    state.weight = s.weight.grams;
    state.stable = s.weight.stable;
    render();
  } catch {
    // The next poll tries again; the typed weight still works.
  }
}

async function main() {
  const shell = await start();
  if (!shell) return;
  document.getElementById("station").textContent = station;
  document.getElementById("override-row").classList.toggle("hidden", !["manager", "admin"].includes(shell.me.role));
  await resume(await request("PUT", "/api/v1/devices/assignment", { json: { mode: "pack" } }));
  document.getElementById("close").addEventListener("click", closeCarton);
  document.getElementById("ship").addEventListener("click", shipCarton);
  document.getElementById("next").addEventListener("click", () => {
    state.order = state.carton = state.shipment = null;
    document.getElementById("labels-card").classList.add("hidden");
    show(banner, "info", t("pack.scan_order"));
    render();
  });
  document.getElementById("typed-weight").addEventListener("input", render);
  i18n.onLanguageChange(render);
  onScans(handleScan);
  await pollScale();
  setInterval(() => { if (!document.hidden) pollScale(); }, 1000);
  // The live feed is the managers' (dashboard.view); a station polls its scale instead.
  render();
  document.body.dataset.screen = "ready";
}

main();
