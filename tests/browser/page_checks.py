"""Checks run inside a rendered page: text that overflows its box, and characters with no glyph."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

# Every element that is shown must fit inside its box and inside the viewport's width.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const faults = [];
  if (document.documentElement.scrollWidth > width + 1) faults.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${width})`);
  for (const el of document.querySelectorAll("body *")) {
    if (["SCRIPT", "STYLE", "OPTION", "rect", "svg"].includes(el.tagName) || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    const box = el.getBoundingClientRect();
    const name = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : ""}`;
    if (box.right > width + 1 || box.left < -1) faults.push(`${name} sticks out of the screen (${Math.round(box.left)}..${Math.round(box.right)})`);
    if (style.display !== "inline" && !["INPUT", "SELECT"].includes(el.tagName) && el.scrollWidth > el.clientWidth + 1) {
      faults.push(`${name} overflows its box (${el.scrollWidth} > ${el.clientWidth}): ${el.textContent.slice(0, 40)}`);
    }
  }
  return faults;
}"""

# A character with no glyph in any installed font is drawn as the primary font's .notdef box,
# the same picture for every such character: compare each character's picture with that of an
# unassigned code point (U+0378).
GLYPHS = """(extra) => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.font = `40px ${getComputedStyle(document.body).fontFamily}`;
  const picture = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.fillText(ch, 8, 48);
    const alpha = ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3);
    return alpha.join(",");
  };
  const notdef = picture("\\u0378");
  const chars = new Set(extra);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (!parent || (!parent.getClientRects().length && parent.tagName !== "OPTION")) continue;
    for (const ch of walker.currentNode.textContent) if (ch.trim()) chars.add(ch);
  }
  for (const ch of document.title) if (ch.trim()) chars.add(ch);
  const missing = [...chars].filter((ch) => picture(ch) === notdef);
  return { checked: chars.size, missing };
}"""


def overflow_faults(page: Page) -> list[str]:
    return page.evaluate(OVERFLOW)  # type: ignore[no-any-return]


def missing_glyphs(page: Page, extra: str = "") -> dict[str, Any]:
    return page.evaluate(GLYPHS, extra)  # type: ignore[no-any-return]
