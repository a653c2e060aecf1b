// What a person hears and sees after each step: a short beep for good, a low double buzz for a
// wrong item, a three-tone call for a hold; the banner in the matching colour.

let audio = null;
const TONES = {
  good: [[1046, 0.08]],
  wrong: [[220, 0.16], [0, 0.06], [220, 0.16]],
  hold: [[660, 0.12], [880, 0.12], [660, 0.2]],
};

function context() {
  if (!audio) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    audio = new Ctx();
  }
  if (audio.state === "suspended") audio.resume();
  return audio;
}

// Browsers start audio only after a gesture: any key or touch unlocks it.
for (const kind of ["keydown", "pointerdown"]) {
  window.addEventListener(kind, () => context(), { once: true, capture: true });
}

export function beep(kind) {
  document.body.dataset.lastBeep = kind;
  document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  const ctx = context();
  if (!ctx) return;
  let at = ctx.currentTime;
  for (const [freq, seconds] of TONES[kind] || TONES.good) {
    if (freq) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = kind === "wrong" ? "square" : "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.2, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + seconds);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + seconds);
    }
    at += seconds;
  }
}

// Show a result in the banner: kind is good | wrong | hold | info.
export function show(banner, kind, headline, detail = "") {
  banner.className = `banner ${kind}`;
  for (const [part, text] of [[".headline", headline], [".detail", detail]]) {
    const node = banner.querySelector(part);
    delete node.dataset.i18n; // the message now says what happened; a language switch must not reset it
    node.textContent = text;
  }
  document.body.classList.remove("flash-good", "flash-wrong", "flash-hold");
  void document.body.offsetWidth; // restart the flash animation
  if (kind !== "info") document.body.classList.add(`flash-${kind}`);
}

export function signal(banner, kind, headline, detail = "") {
  show(banner, kind, headline, detail);
  if (kind !== "info") beep(kind);
}
