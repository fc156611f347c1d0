// callinsight web app: copy-quote buttons, one player at a time, seek to #t=<seconds>.
"use strict";

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try { document.execCommand("copy"); } finally { area.remove(); }
  return Promise.resolve();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  copyText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    button.classList.add("copied");
    setTimeout(() => { button.textContent = label; button.classList.remove("copied"); }, 1500);
  });
});

// Only one recording plays at a time on the library page.
document.addEventListener("play", (event) => {
  document.querySelectorAll("audio").forEach((a) => { if (a !== event.target) a.pause(); });
}, true);

// Call page: #t=<seconds> highlights the sentence and moves the player there.
function seconds() {
  const match = /^#t=(\d+(?:\.\d+)?)$/.exec(decodeURIComponent(location.hash));
  return match ? parseFloat(match[1]) : null;
}

function highlight(t) {
  const sentences = Array.from(document.querySelectorAll(".sent[data-start]"));
  if (!sentences.length) return;
  let best = sentences[0];
  for (const s of sentences) {
    if (parseFloat(s.dataset.start) <= t + 0.999) best = s;
  }
  document.querySelectorAll(".sent.current").forEach((s) => s.classList.remove("current"));
  best.classList.add("current");
  best.scrollIntoView({ block: "center" });
}

function seek(t, play) {
  const player = document.getElementById("player");
  if (!player) return;
  const go = () => { player.currentTime = t; if (play) player.play().catch(() => {}); };
  if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
}

function fromHash(play) {
  const t = seconds();
  if (t === null) return;
  highlight(t);
  seek(t, play);
}

document.addEventListener("DOMContentLoaded", () => fromHash(false));
window.addEventListener("hashchange", () => fromHash(true));

// Timestamps on the call page play from that second (the hash still updates for sharing).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.ts[data-t]");
  if (!link || !document.getElementById("player")) return;
  const t = parseFloat(link.dataset.t);
  highlight(t);
  seek(t, true);
});
