// The live feed over a WebSocket, reconnecting with backoff. The server sends a snapshot on
// connect, then merged updates (see wms/live/api.py); each message goes to onMessage as sent.
// Close codes 4401/4403 (signed out, not allowed) end the attempts.

import { token } from "./api.js";

const FINAL = new Set([4401, 4403, 4404, 4422]);

export function connect({ path = "/api/v1/live", onMessage, onState = () => {} }) {
  let socket = null;
  let backoff = 500;
  let stopped = false;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const joiner = path.includes("?") ? "&" : "?";
    socket = new WebSocket(`${scheme}://${location.host}${path}${joiner}token=${encodeURIComponent(token() || "")}`);
    socket.addEventListener("message", (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch { return; }
      if (data.type === "snapshot") {
        backoff = 500;
        onState("live");
      }
      onMessage(data);
    });
    socket.addEventListener("close", (event) => {
      onState("offline");
      if (stopped || FINAL.has(event.code)) return;
      setTimeout(open, backoff + Math.random() * backoff);
      backoff = Math.min(backoff * 2, 15000);
    });
  };
  open();
  return () => {
    stopped = true;
    if (socket) socket.close();
  };
}
