// The server side of bench/offline_port.ts: a Host in a Deno Web Worker on the MessagePort it is given, updating as
// the main thread says. It answers each "ping" with a "pong", each "echo" with the same message, tells the main thread
// (over the Worker's own postMessage, not the Host) when a "big" message came out of poll(), and busy-loops the thread
// for a "block". When its peer leaves it closes its Host and itself.
/// <reference lib="deno.worker" />
import { Host, type HostOptions } from "../mod.ts";
import { portSocket } from "../examples/offline/port_socket.js";

self.onmessage = ({ data }: MessageEvent) => {
  const { port, update, reliable, options } = data as {
    port: MessagePort;
    update: "a" | "b" | "c";
    reliable: boolean;
    options?: HostOptions;
  };
  const socket = portSocket(port, "client");
  const host = new Host(reliable ? socket : { ...socket, reliable: false }, options);
  const frame = () => {
    host.update();
    for (let event; (event = host.poll());) {
      if (event.type === "disconnect") {
        clearInterval(timer), host.close(), self.postMessage({ t: "closed" }), self.close();
        return;
      }
      if (event.type !== "message") continue;
      const m = event.data as { t: string; ms?: number };
      if (m.t === "ping" || m.t === "echo") {
        event.peer.send(m.t === "ping" ? { t: "pong" } : m);
        if (update === "c") host.update();
      } else if (m.t === "big") self.postMessage({ t: "big" });
      else if (m.t === "block") { for (const until = performance.now() + m.ms!; performance.now() < until;); }
    }
    if (update === "b") host.update();
  };
  const timer = setInterval(frame, 16);
  if (update === "c") port.addEventListener("message", () => queueMicrotask(frame));
};
