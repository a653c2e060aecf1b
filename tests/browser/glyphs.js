// A character with no glyph in any installed font is drawn as the primary font's .notdef box,
// the same picture for every such character: each character's picture is compared with that of
// an unassigned code point (U+0378).
((extra) => {
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
  const notdef = picture("\u0378");
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
})
