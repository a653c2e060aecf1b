// The live feed: events from /api/v1/live over a WebSocket, reconnecting with backoff. A message
// may carry one event or a coalesced list of them.

import { token } from "./api.js";

export function connect({ onEvent, onState = () => {} }) {
  let socket = null;
  let backoff = 500;
  let stopped = false;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/v1/live?token=${encodeURIComponent(token() || "")}`);
    socket.addEventListener("open", () => {
      backoff = 500;
      onState("live");
    });
    socket.addEventListener("message", (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch { return; }
      const events = Array.isArray(data) ? data : Array.isArray(data.events) ? data.events : [data];
      for (const event of events) onEvent(event);
    });
    socket.addEventListener("close", () => {
      onState("offline");
      if (stopped) return;
      setTimeout(open, backoff);
      backoff = Math.min(backoff * 2, 15000);
    });
  };
  open();
  return () => {
    stopped = true;
    if (socket) socket.close();
  };
}

// An event's topic and payload, whatever the envelope calls them.
export function unpack(event) {
  return { topic: event.topic || event.type || "", payload: event.payload || event.data || {} };
}
