// A fraud signal's evidence as sentences in the screen's language, not raw data: what the parcel's
// label and weight were, what the shopper's history says, what each unit turned out to be.

import * as i18n from "./i18n.js";
import { t } from "./shell.js";

const word = i18n.word;

function parcelLines(parcel) {
  const lines = [t("ev.parcel", { code: parcel.code || "—", how: word("found", parcel.found_by) })];
  if (parcel.weight_g) {
    lines.push(t("ev.weight", { grams: i18n.number(parcel.weight_g), expected: i18n.number(parcel.expected_weight_g || 0),
      verdict: word("weight", parcel.weight_verdict) }));
  }
  return lines;
}

function trustLine(trust) {
  return t(trust.serial_returner ? "ev.trust_serial" : "ev.trust", {
    score: i18n.number(trust.score), rate: i18n.number(trust.return_rate || 0, { style: "percent", maximumFractionDigits: 0 }),
  });
}

function unitLine(unit) {
  const what = unit.sku || unit.description || unit.scanned || "—";
  const serial = unit.serial ? ` (${unit.serial})` : "";
  return t("ev.unit", { what: `${what}${serial}`, match: word("match", unit.match) });
}

function plain(value) {
  return typeof value === "number" ? i18n.number(value) : String(value);
}

// The lines that explain one signal's facts.
export function evidenceLines(facts) {
  if (!facts || typeof facts !== "object") return facts ? [String(facts)] : [];
  const lines = [];
  for (const [key, value] of Object.entries(facts)) {
    if (key === "parcel" && value) lines.push(...parcelLines(value));
    else if (key === "trust" && value) lines.push(trustLine(value));
    else if (key === "units" && Array.isArray(value)) lines.push(...value.map(unitLine));
    else if (value !== null && typeof value !== "object") lines.push(`${word("ev.fact", key)}: ${plain(value)}`);
  }
  return lines;
}
