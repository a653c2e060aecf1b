// Every element that is shown must fit inside its box and inside the viewport's width.
(() => {
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
})
