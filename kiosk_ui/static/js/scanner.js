// Keyboard-wedge scanners type their data as keystrokes, much faster than a person, and end with
// Enter. This reads such bursts anywhere on the page. Written by hand: the wedge libraries on npm
// decode legacy keyCodes, which cannot carry the AIM id's "]" or a GS reliably; KeyboardEvent.key can.

export const GS = "\x1d";

export const DEFAULTS = {
  // A scanner types a character every 1-30 ms; people average 100 ms or more. One late keystroke
  // (a busy machine) does not split a burst; only a pause longer than resetGapMs does.
  maxAvgGapMs: 40,
  resetGapMs: 150,
  minLength: 3,
  gsSubstitute: "", // some scanners are set to send a printable stand-in (e.g. "~") for GS
};

const MODIFIERS = new Set(["Shift", "Control", "Alt", "AltGraph", "Meta", "CapsLock"]);

// Pure: keystrokes in, scans out.
export class WedgeBuffer {
  constructor(options = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.reset();
  }

  reset() {
    this.chars = [];
    this.startedAt = 0;
    this.lastAt = 0;
  }

  // `key` is KeyboardEvent.key; returns {raw, startedAt, endedAt} when a burst ends in Enter.
  key(key, at, { ctrl = false, alt = false, meta = false } = {}) {
    const { maxAvgGapMs, resetGapMs, minLength } = this.options;
    if (key === "Enter") {
      const chars = this.chars;
      const fast = chars.length >= minLength && at - this.lastAt <= resetGapMs &&
        (this.lastAt - this.startedAt) / Math.max(1, chars.length - 1) <= maxAvgGapMs;
      const scan = fast ? { raw: this.decode(chars.join("")), startedAt: this.startedAt, endedAt: at, typed: chars.join("") } : null;
      this.reset();
      return scan;
    }
    if (MODIFIERS.has(key)) return null;
    let ch = null;
    if (ctrl && (key === "]" || key === "5")) ch = GS; // Ctrl+] is GS on a keyboard
    else if (key.length === 1 && !ctrl && !alt && !meta) ch = key;
    if (ch === null) {
      this.reset();
      return null;
    }
    if (this.chars.length && at - this.lastAt > resetGapMs) this.reset();
    if (!this.chars.length) this.startedAt = at;
    this.chars.push(ch);
    this.lastAt = at;
    return null;
  }

  decode(text) {
    const sub = this.options.gsSubstitute;
    return sub ? text.split(sub).join(GS) : text;
  }
}

export function scannerSettings() {
  const stored = localStorage.getItem("kaeru.scanner");
  return { ...DEFAULTS, ...(stored ? JSON.parse(stored) : {}) };
}

function editable(el) {
  return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.isContentEditable);
}

// Listen on the whole page; `onScan({raw, startedAt, endedAt})` for each burst.
export function listen(onScan, options = scannerSettings()) {
  const buffer = new WedgeBuffer(options);
  const handler = (event) => {
    const scan = buffer.key(event.key, event.timeStamp || performance.now(),
      { ctrl: event.ctrlKey, alt: event.altKey, meta: event.metaKey });
    if (event.ctrlKey && event.key === "]") event.preventDefault();
    if (!scan) return;
    event.preventDefault();
    event.stopPropagation();
    const target = event.target;
    // The burst went into a focused field too: take it back out.
    if (editable(target) && typeof target.value === "string" && target.value.endsWith(scan.typed)) {
      target.value = target.value.slice(0, target.value.length - scan.typed.length);
    }
    onScan(scan);
  };
  window.addEventListener("keydown", handler, true);
  return () => window.removeEventListener("keydown", handler, true);
}
