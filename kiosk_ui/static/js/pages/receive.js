// The receiver's station: receive a purchase order by scanning (items, GS1 codes with lot and
// expiry, license plates, the dock), give a reason for an over-receipt or a short close, put plates
// away by scanning the plate then the bin, and count locations blind (the books are never shown
// before the count; a variance beyond the tolerance goes to a manager).

import { ApiError, get, mutate, postScan } from "../api.js";
import { show, signal } from "../feedback.js";
import * as i18n from "../i18n.js";
import { el, onScans, start, t } from "../shell.js";

const params = new URLSearchParams(location.search);
const warehouse = params.get("warehouse") || "WH1";
const base = `/api/v1/warehouses/${encodeURIComponent(warehouse)}`;
const banner = document.getElementById("banner");
const state = { mode: "receive", po: "", plate: "", dock: "", task: null, shell: null };

const message = (error) => (error instanceof ApiError ? error.message : t("error.network"));

async function assign(mode, refType = "", refId = "") {
  return mutate("PUT", "/api/v1/devices/assignment", { mode, ref_type: refType, ref_id: refId });
}

// --- receiving -------------------------------------------------------------------------------

async function loadPurchaseOrders() {
  const select = document.getElementById("po");
  const open = await get(`${base}/purchase-orders?status=open&limit=100`);
  select.replaceChildren(new Option(t("receive.no_po"), ""), ...open.map((po) => new Option(`${po.number} · ${po.supplier}`, po.number)));
  select.value = state.po;
}

// `lines`: the order's lines as a scan's answer brought them; without, they are fetched.
async function renderPurchaseOrder(lines = null) {
  const list = document.getElementById("po-lines");
  document.getElementById("plate").textContent = state.plate || "—";
  document.getElementById("dock").textContent = state.dock || "—";
  if (!state.po) {
    list.replaceChildren();
    return;
  }
  const shown = lines || (await get(`${base}/purchase-orders/${encodeURIComponent(state.po)}`)).lines;
  list.replaceChildren(...shown.map((line) => el("li", { class: line.received >= line.expected ? "done" : "" },
    el("strong", { text: line.sku }), ` ${line.name} — `,
    t("receive.line_progress", { received: i18n.number(line.received), expected: i18n.number(line.expected) }),
    line.variance_reason ? el("span", { class: "muted", text: ` (${line.variance_reason})` }) : null)));
}

async function choosePurchaseOrder(number) {
  state.po = number;
  try {
    // Asked again without an order (a reloaded screen), the server resumes the work in hand.
    const work = await assign("receive", number ? "purchase_order" : "", number);
    if (!number && work.ref_type === "purchase_order") {
      state.po = work.ref_id;
      document.getElementById("po").value = state.po;
    }
    state.plate = (work.state && work.state.plate) || "";
    state.dock = (work.state && work.state.location) || "";
    show(banner, "info", state.po ? t("receive.scan_items", { po: state.po }) : t("receive.choose_po"));
  } catch (error) {
    signal(banner, "wrong", t("receive.refused"), message(error));
  }
  await renderPurchaseOrder();
}

async function receiveOver(refusal) {
  const details = refusal.data.details;
  document.getElementById("over-text").textContent = t("receive.over_text", {
    sku: details.sku, expected: i18n.number(details.expected), over: i18n.number(details.over),
  });
  const dialog = document.getElementById("over-dialog");
  document.getElementById("over-reason").value = "";
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  const reason = document.getElementById("over-reason").value.trim();
  if (dialog.returnValue !== "confirm" || !reason) {
    show(banner, "info", t("receive.over_cancelled"));
    return;
  }
  const parsed = refusal.parsed || {};
  try {
    await mutate("POST", `${base}/receipts`, {
      sku: details.sku, quantity: details.arriving, location: state.dock || "RCV-1", purchase_order: state.po,
      lot: parsed.lot || "", expiry: parsed.expiry || null, plate: state.plate, reason,
    });
    signal(banner, "good", t("receive.received_over", { sku: details.sku }), reason);
  } catch (error) {
    signal(banner, "wrong", t("receive.refused"), message(error));
  }
  await renderPurchaseOrder();
}

async function closePurchaseOrder() {
  if (!state.po) return;
  const reason = document.getElementById("close-reason").value.trim();
  try {
    await mutate("POST", `${base}/purchase-orders/${encodeURIComponent(state.po)}/close`, { reason });
    signal(banner, "good", t("receive.closed", { po: state.po }), reason);
    await renderPurchaseOrder();
    state.po = "";
    await assign("receive");
    await loadPurchaseOrders();
  } catch (error) {
    signal(banner, "wrong", t("receive.refused"), message(error));
  }
}

async function receiveScan(result) {
  if (!result.ok) {
    if (result.status === 409 && result.data && result.data.details && result.data.details.over) {
      await receiveOver(result);
      return;
    }
    signal(banner, "wrong", t("receive.refused"), result.message);
    return;
  }
  const data = result.data || {};
  if (data.purchase_order && data.purchase_order !== state.po) {
    state.po = data.purchase_order;
    document.getElementById("po").value = state.po;
  }
  if (data.plate !== undefined && !data.sku) state.plate = data.plate;
  if (data.location && !data.sku) state.dock = data.location;
  if (data.sku) {
    state.dock = data.location;
    const lot = data.lot ? ` · ${t("receive.lot")} ${data.lot}` : "";
    const expiry = data.expiry ? ` · ${t("receive.expiry")} ${data.expiry}` : "";
    signal(banner, "good", t("receive.received", { quantity: i18n.number(data.quantity), sku: data.sku }), `${data.name}${lot}${expiry}`);
  } else {
    signal(banner, "good", result.message, "");
  }
  await renderPurchaseOrder(data.lines || null);
}

// --- put-away --------------------------------------------------------------------------------

function renderPlate(data) {
  document.getElementById("putaway-plate").textContent = data && data.code ? data.code : "—";
  document.getElementById("suggested").textContent = data && data.suggested_location ? data.suggested_location : "—";
  const contents = (data && data.contents) || [];
  document.getElementById("plate-contents").replaceChildren(...contents.map((c) => el("li", {},
    el("strong", { text: c.sku }), ` × ${i18n.number(c.quantity)}`, c.lot ? ` · ${t("receive.lot")} ${c.lot}` : "",
    c.expiry ? ` · ${t("receive.expiry")} ${c.expiry}` : "")));
}

function putawayScan(result) {
  if (!result.ok) {
    signal(banner, "wrong", t("receive.refused"), result.message);
    return;
  }
  const data = result.data || {};
  if (data.contents) {
    renderPlate(data);
    signal(banner, "good", t("receive.plate_scanned", { plate: data.code }),
      data.suggested_location ? t("receive.go_to", { location: data.suggested_location }) : t("receive.scan_bin"));
  } else if (data.units !== undefined && data.plate) {
    renderPlate(null);
    signal(banner, "good", t("receive.put_away", { plate: data.plate, location: data.location }), "");
  } else {
    signal(banner, "good", result.message, "");
  }
}

// --- counting --------------------------------------------------------------------------------

async function renderCounts() {
  const open = await get(`${base}/count-tasks?status=open&limit=100`);
  document.getElementById("count-tasks").replaceChildren(...open.map((task) => el("li", {},
    el("button", { text: t("receive.count_task", { location: task.location, sku: task.sku }), onclick: () => chooseTask(task) }))));
  const form = document.getElementById("count-form");
  form.classList.toggle("hidden", !state.task);
  const manager = state.shell && state.shell.can("inventory.adjust");
  document.getElementById("approvals-title").classList.toggle("hidden", !manager);
  if (!manager) return;
  const held = await get(`${base}/count-tasks?status=awaiting_approval&limit=100`);
  document.getElementById("approvals").replaceChildren(...held.map((task) => el("li", {},
    t("receive.held", { location: task.location, sku: task.sku, counted: i18n.number(task.counted), on_hand: i18n.number(task.on_hand) }), " ",
    el("button", { class: "go", text: t("receive.approve"), onclick: () => decide(task, true) }), " ",
    el("button", { class: "danger", text: t("receive.reject"), onclick: () => decide(task, false) }))));
}

function chooseTask(task) {
  state.task = task;
  document.getElementById("count-label").textContent = t("receive.count_label", { location: task.location, sku: task.sku });
  document.getElementById("count-form").classList.remove("hidden");
  document.getElementById("counted").value = "";
  document.getElementById("counted").focus();
}

async function submitCount(event) {
  event.preventDefault();
  const counted = Number(document.getElementById("counted").value);
  if (!state.task || !Number.isInteger(counted) || counted < 0) return;
  try {
    const task = await mutate("POST", `${base}/count-tasks/${state.task.id}/count`, { counted });
    if (task.status === "awaiting_approval") signal(banner, "hold", t("receive.count_held"), t("receive.count_held_detail"));
    else signal(banner, "good", t("receive.count_done"), "");
    state.task = null;
  } catch (error) {
    signal(banner, "wrong", t("receive.refused"), message(error));
  }
  await renderCounts();
}

async function decide(task, approve) {
  try {
    await mutate("POST", `${base}/count-tasks/${task.id}/decision`, { approve, note: "" });
    signal(banner, "good", approve ? t("receive.approved") : t("receive.rejected"), "");
  } catch (error) {
    signal(banner, "wrong", t("receive.refused"), message(error));
  }
  await renderCounts();
}

// --- the station -----------------------------------------------------------------------------

async function switchMode(mode) {
  state.mode = mode;
  for (const button of document.querySelectorAll("[data-mode]")) button.classList.toggle("primary", button.dataset.mode === mode);
  for (const name of ["receive", "putaway", "count"]) document.getElementById(`${name}-card`).classList.toggle("hidden", name !== mode);
  try {
    if (mode === "receive") await choosePurchaseOrder(state.po);
    else if (mode === "putaway") {
      await assign("putaway");
      show(banner, "info", t("receive.putaway_help"));
    } else {
      await assign("idle");
      show(banner, "info", t("receive.count_help"));
      await renderCounts();
    }
  } catch (error) {
    signal(banner, "wrong", t("receive.refused"), message(error));
  }
}

async function handleScan(scan) {
  if (state.mode === "count") {
    signal(banner, "wrong", t("receive.count_by_hand"), "");
    return;
  }
  let result;
  try {
    result = await postScan(scan.raw, { onRetry: () => show(banner, "info", t("shell.retrying")) });
  } catch {
    signal(banner, "wrong", t("error.network"), t("shell.scan_again"));
    return;
  }
  if (state.mode === "receive") await receiveScan(result);
  else putawayScan(result);
}

async function main() {
  state.shell = await start();
  if (!state.shell) return;
  for (const button of document.querySelectorAll("[data-mode]")) button.addEventListener("click", () => switchMode(button.dataset.mode));
  document.getElementById("po").addEventListener("change", (event) => choosePurchaseOrder(event.target.value));
  document.getElementById("close-po").addEventListener("click", closePurchaseOrder);
  document.getElementById("count-form").addEventListener("submit", submitCount);
  i18n.onLanguageChange(() => renderPurchaseOrder());
  onScans(handleScan);
  await loadPurchaseOrders();
  await switchMode("receive");
  document.body.dataset.screen = "ready";
}

main();
