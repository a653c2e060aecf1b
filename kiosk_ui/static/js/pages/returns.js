// Returns station: parcel -> items -> grading checklist -> disposition (tote named big) -> grade tag
// printed -> next. Scans drive it; the checklist is answered by touch. Match results and fraud
// signals are shown with their evidence; photos come from the station camera where allowed.

import { ApiError, get, mutate, postScan, request, upload } from "../api.js";
import { show, signal } from "../feedback.js";
import * as i18n from "../i18n.js";
import { evidenceLines } from "../evidence.js";
import { watchJobs } from "../printjobs.js";
import { el, onScans, start, t } from "../shell.js";

const station = new URLSearchParams(location.search).get("station") || "RET-1";
const banner = document.getElementById("banner");
const GOOD_MATCHES = new Set(["right_item", "extra"]);
const state = { parcel: null, unit: null, rubric: null, answers: [], graded: null, holds: [], photos: [], unannounced: null };
let shell = null;

const label = i18n.word;

function renderParcel() {
  const parcel = state.parcel;
  document.getElementById("rma").textContent = parcel ? parcel.rma : "—";
  // Whose parcel: on a floor serving several merchants, the brand it goes back to.
  const merchant = document.getElementById("merchant");
  merchant.classList.toggle("hidden", !(parcel && parcel.brand));
  merchant.textContent = parcel && parcel.brand ? `${parcel.brand} · ${parcel.merchant}` : "";
  document.getElementById("found-by").textContent = parcel ? t("ret.found_by", { how: label("found", parcel.found_by) }) : "";
  const verdict = document.getElementById("weight-verdict");
  verdict.classList.toggle("hidden", !parcel || !parcel.weight_g);
  if (parcel && parcel.weight_g) {
    const bad = ["empty", "light", "heavy"].includes(parcel.weight_verdict);
    verdict.className = `badge ${bad ? "bad" : "ok"}`;
    verdict.textContent = t("ret.weight", { grams: i18n.number(parcel.weight_g), expected: i18n.number(parcel.expected_weight_g || 0),
      verdict: label("weight", parcel.weight_verdict) });
  }
  const expected = document.getElementById("expected");
  expected.replaceChildren(...(parcel ? parcel.expected : []).map((line) => {
    const done = line.received >= line.quantity;
    return el("li", { class: done ? "done" : "", dataset: { sku: line.sku } },
      el("span", { class: "mark", text: done ? "✔" : "□" }), el("strong", { text: line.sku }),
      el("span", { class: "count", text: `${line.received} / ${line.quantity}` }));
  }));
  const flags = document.getElementById("flags");
  flags.replaceChildren(...(parcel ? parcel.hold_signals : []).map((s) => {
    const hold = state.holds.find((h) => h.signals.includes(s));
    const evidence = hold && hold.evidence[s] ? evidenceLines(hold.evidence[s]).join(" · ") : "";
    return el("div", { class: "flag high", dataset: { signal: s } }, el("strong", { text: label("signal", s) }),
      evidence ? el("div", { class: "evidence", text: evidence }) : null);
  }));
  document.getElementById("parcel-done").disabled = !parcel || parcel.status !== "open";
  const unexpected = document.getElementById("open-unexpected");
  unexpected.classList.toggle("hidden", state.unannounced === null);
  unexpected.textContent = state.unannounced ? t("ret.open_unexpected", { code: state.unannounced }) : t("ret.open_unexpected_no_label");
  const openHold = state.holds.find((h) => h.status === "open");
  document.getElementById("review-card").classList.toggle("hidden", !(openHold && shell && shell.can("returns.review")));
}

function renderUnit() {
  const unit = state.unit;
  document.getElementById("unit-sku").textContent = unit ? unit.sku || t("ret.not_ours") : "—";
  document.getElementById("unit-name").textContent = unit ? unit.name || "" : "";
  const match = document.getElementById("match");
  match.classList.toggle("hidden", !unit);
  if (unit) {
    match.className = `badge ${GOOD_MATCHES.has(unit.match) ? "ok" : "bad"}`;
    match.dataset.match = unit.match;
    match.textContent = label("match", unit.match);
  }
  document.getElementById("match-message").textContent = unit ? unit.match_message : "";
  const checklist = document.getElementById("checklist");
  const grading = unit && state.rubric && !state.graded && unit.status === "received";
  checklist.replaceChildren(...(grading ? state.rubric.questions : []).map((q) => {
    const chosen = state.answers.find((a) => a.id === q.id);
    return el("div", { class: "question", dataset: { question: q.id } }, el("div", { text: q.text }),
      el("div", { class: "answers" }, ...q.answers.map((answer) => el("button", {
        type: "button", "aria-pressed": String(Boolean(chosen && chosen.answer === answer)), dataset: { answer },
        text: label("answer", answer), onclick: () => answerQuestion(q.id, answer),
      }))));
  }));
  const complete = grading && state.rubric.questions.every((q) => state.answers.some((a) => a.id === q.id));
  document.getElementById("grade").disabled = !complete;
  document.getElementById("undo").disabled = !(grading && state.answers.length);
  document.getElementById("photo").disabled = !(unit && unit.id && navigator.mediaDevices);
  document.getElementById("photos").replaceChildren(...state.photos.map((src) => el("img", { src, alt: "" })));
}

function renderGraded() {
  const card = document.getElementById("disposition-card");
  const graded = state.graded;
  card.classList.toggle("hidden", !graded);
  if (!graded) return;
  document.getElementById("grade-letter").textContent = graded.grade;
  document.getElementById("grade-meaning").textContent = `${label("grade", graded.grade)} — ${graded.explain || ""}`;
  document.getElementById("tote").textContent = graded.tote;
  document.getElementById("destination").textContent = `${graded.location} (${label("disposition", graded.disposition)})`;
  document.getElementById("tag").textContent = t("ret.tag_printed", { lpn: graded.lpn });
  document.getElementById("resolution").textContent = graded.on_hold ? t("ret.held") :
    graded.resolution ? t("ret.resolved", { how: label("resolution", graded.resolution.kind || graded.resolution.resolution || "") }) : "";
}

function render() {
  renderParcel();
  renderUnit();
  renderGraded();
}

function answerQuestion(id, answer) {
  state.answers = state.answers.filter((a) => a.id !== id);
  state.answers.push({ id, answer });
  render();
}

async function loadHolds() {
  state.holds = [];
  if (!state.parcel || !state.parcel.hold_signals.length) return;
  try {
    const rma = await get(`/api/v1/returns/${encodeURIComponent(state.parcel.rma)}`);
    state.holds = rma.holds || [];
  } catch {
    // The flags still show; only their evidence is missing.
  }
}

async function handleScan(scan) {
  let result;
  try {
    result = await postScan(scan.raw, { onRetry: () => show(banner, "info", t("shell.retrying")) });
  } catch {
    signal(banner, "wrong", t("error.network"), t("shell.scan_again"));
    return;
  }
  state.unannounced = null;
  if (!result.ok) {
    const details = (result.data && result.data.details) || {};
    // A code naming no return never opens a case by itself: the associate may choose to.
    if (details.may_open === "unexpected_return") state.unannounced = details.code || "";
    const headline = details.code && result.data.error === "not_found" ? t("ret.not_found", { code: details.code }) : t("ret.wrong");
    signal(banner, "wrong", headline, result.message);
    render();
    return;
  }
  const data = result.data || {};
  const signalsBefore = state.parcel ? state.parcel.hold_signals.length : 0;
  const sameParcel = data.parcel && state.parcel && data.parcel.id === state.parcel.id;
  if (data.parcel) state.parcel = data.parcel;
  if (data.units) {
    state.unit = data.units[0];
    state.rubric = data.rubric || null;
    state.answers = [];
    state.graded = null;
    state.photos = [];
    await loadHolds();
    const raised = state.parcel.hold_signals.length > (sameParcel ? signalsBefore : 0);
    if (data.again) {
      signal(banner, "info", t("ret.item_again", { sku: state.unit.sku }), t("ret.answer_checklist"));
    } else if (raised || !GOOD_MATCHES.has(state.unit.match)) {
      signal(banner, "hold", t("ret.check_item", { match: label("match", state.unit.match) }), state.unit.match_message);
    } else {
      signal(banner, "good", t("ret.item_matched", { sku: state.unit.sku }), t("ret.answer_checklist"));
    }
  } else if (data.parcel) {
    state.unit = null;
    state.rubric = null;
    state.graded = null;
    await loadHolds();
    const kind = state.parcel.hold_signals.length ? "hold" : "good";
    signal(banner, kind, t("ret.parcel_opened", { rma: state.parcel.rma }), t("ret.scan_items"));
  } else if (data.unit && data.location === undefined) {
    state.unit = data.unit;
    signal(banner, "good", t("ret.take_to", { location: data.unit.location }), t("ret.scan_location"));
  } else if (data.location) {
    signal(banner, "good", t("ret.put_away", { location: data.location }), t("ret.next"));
    state.unit = null;
    state.graded = null;
  } else {
    signal(banner, "good", result.message);
  }
  render();
}

let tags = null;
function followTag(lpn) {
  if (tags) tags.stop();
  tags = watchJobs(document.getElementById("tag-jobs"), `lpn=${encodeURIComponent(lpn)}`, {
    onProblem: (job) => signal(banner, "hold", t("print.problem", { label: i18n.word("print.label", job.label) }), job.reason),
  });
}

async function grade() {
  const answers = Object.fromEntries(state.answers.map((a) => [a.id, a.answer]));
  try {
    state.graded = await mutate("POST", `/api/v1/returns/units/${state.unit.id}/grade`, { station, answers });
    state.unit = state.graded.unit;
    followTag(state.graded.lpn);
    if (state.graded.on_hold) signal(banner, "hold", t("ret.tote_is", { tote: state.graded.tote }), t("ret.held"));
    else signal(banner, "good", t("ret.tote_is", { tote: state.graded.tote }), t("ret.next"));
  } catch (error) {
    signal(banner, "wrong", t("ret.not_graded"), error instanceof ApiError ? error.message : t("error.network"));
  }
  render();
}

async function openUnexpected() {
  const code = state.unannounced;
  state.unannounced = null;
  try {
    state.parcel = await mutate("POST", "/api/v1/returns/parcels", { code, station, unexpected: true });
    state.unit = null;
    state.graded = null;
    await loadHolds();
    signal(banner, "hold", t("ret.unexpected_opened", { rma: state.parcel.rma }), t("ret.scan_items"));
  } catch (error) {
    signal(banner, "wrong", t("ret.wrong"), error instanceof ApiError ? error.message : t("error.network"));
  }
  render();
}

async function closeParcel() {
  try {
    state.parcel = await mutate("POST", `/api/v1/returns/parcels/${state.parcel.id}/close`, undefined);
    const missing = state.parcel.expected.filter((l) => l.received < l.quantity);
    const kind = missing.length ? "hold" : "good";
    signal(banner, kind, t("ret.parcel_closed"), missing.length ? t("ret.missing", { items: missing.map((l) => l.sku).join(", ") }) : t("ret.scan_parcel"));
    state.unit = null;
    state.graded = null;
  } catch (error) {
    signal(banner, "wrong", t("ret.not_closed"), error instanceof ApiError ? error.message : t("error.network"));
  }
  render();
}

async function review(approve) {
  const hold = state.holds.find((h) => h.status === "open");
  try {
    await mutate("POST", `/api/v1/returns/holds/${hold.id}/${approve ? "approve" : "reject"}`, { note: "" });
    show(banner, "good", t(approve ? "dash.approved" : "dash.rejected"), state.parcel.rma);
    await loadHolds();
  } catch (error) {
    show(banner, "wrong", t("dash.review_failed"), error instanceof ApiError ? error.message : t("error.network"));
  }
  render();
}

// The station camera, where the browser allows it: a frame is captured and uploaded as JPEG.
let stream = null;
async function openCamera() {
  const dialog = document.getElementById("camera-dialog");
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
  } catch (error) {
    signal(banner, "wrong", t("ret.no_camera"), String(error.message || error));
    return;
  }
  document.getElementById("camera").srcObject = stream;
  dialog.showModal();
}

function closeCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  document.getElementById("camera-dialog").close();
}

async function capture() {
  const video = document.getElementById("camera");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  closeCamera();
  try {
    await upload(`/api/v1/returns/units/${state.unit.id}/photos`, "photo", blob, "photo.jpg", { extra: { caption: state.unit.sku || "" } });
    state.photos.push(URL.createObjectURL(blob));
    signal(banner, "good", t("ret.photo_saved"));
  } catch (error) {
    signal(banner, "wrong", t("ret.photo_failed"), error instanceof ApiError ? error.message : t("error.network"));
  }
  render();
}

async function main() {
  shell = await start();
  if (!shell) return;
  document.getElementById("station").textContent = station;
  try {
    // The station's open work comes back from the server: a reload mid-parcel carries on.
    const started = await request("POST", "/api/v1/returns/station/start", { json: { station } });
    if (started && started.parcel) {
      state.parcel = started.parcel;
      state.unit = started.unit || null;
      state.rubric = started.rubric || null;
      await loadHolds();
      const next = state.unit ? t("ret.answer_checklist") : t("ret.scan_items");
      signal(banner, "info", t("ret.resumed", { rma: state.parcel.rma }), next);
    }
  } catch (error) {
    signal(banner, "wrong", t("ret.station_refused"), error instanceof ApiError ? error.message : t("error.network"));
  }
  document.getElementById("grade").addEventListener("click", grade);
  document.getElementById("undo").addEventListener("click", () => { state.answers.pop(); render(); });
  document.getElementById("parcel-done").addEventListener("click", closeParcel);
  document.getElementById("open-unexpected").addEventListener("click", openUnexpected);
  document.getElementById("photo").addEventListener("click", openCamera);
  document.getElementById("capture").addEventListener("click", capture);
  document.getElementById("camera-close").addEventListener("click", closeCamera);
  document.getElementById("approve").addEventListener("click", () => review(true));
  document.getElementById("reject").addEventListener("click", () => review(false));
  i18n.onLanguageChange(render);
  onScans(handleScan);
  render();
  document.body.dataset.screen = "ready";
}

main();
