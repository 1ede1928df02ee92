// The browser side of e2e/browser_test.ts, loaded by a page Deno serves on
// 127.0.0.1: dist/mod.js over a WebSocket to a Deno Host, which echoes every
// message in its mode. Sets globalThis.result when done.
import { Host, webSocket } from "/dist/mod.js";

const MODES = ["reliable", "unordered", "sequenced", "unreliable"];
const runtimeGlobals = ["Deno", "Bun", "process", "Buffer", "require"].filter((name) => name in globalThis);

// The edge check: a module Worker imports dist/mod.js too, where no Deno, Node or Bun global exists.
const worker = new Promise((resolve) => {
  const w = new Worker("/e2e/browser/worker.mjs", { type: "module" });
  w.onmessage = (event) => resolve(event.data);
  w.onerror = (event) => resolve({ error: String(event.message) });
});

const socket = webSocket(new WebSocket(`ws://${location.host}/ws`));
const host = new Host(socket);
const peer = host.connect(socket.address);
const echoed = new Set();
const mislabelled = [];
const big = new Uint8Array(5000).map((_, i) => i * 7);
let bigBytes = 0;
let sent = false;
const timer = setInterval(async () => {
  host.update();
  for (let event; (event = host.poll());) {
    if (event.type !== "message") continue;
    if (event.mode !== event.data.mode) mislabelled.push(`${event.data.mode} as ${event.mode}`);
    echoed.add(event.data.mode);
    if (event.data.big?.every((byte, i) => byte === big[i])) bigBytes = event.data.big.length;
  }
  if (peer.state !== "connected") return;
  if (!sent) {
    for (const mode of MODES) peer.send({ mode }, { mode });
    peer.send({ mode: "reliable", big }, { mode: "reliable", channel: 1 });
    sent = true;
  }
  for (const mode of MODES.slice(2)) if (!echoed.has(mode)) peer.send({ mode }, { mode });
  if (echoed.size < MODES.length || !bigBytes) return;
  clearInterval(timer);
  host.close();
  globalThis.result = {
    echoed: [...echoed].sort(),
    mislabelled,
    bigBytes,
    address: socket.address,
    runtimeGlobals,
    worker: await worker,
  };
}, 5);
