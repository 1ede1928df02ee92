// A module Worker: dist/mod.js loads and works where no Deno, Node or Bun global exists.
import { Host, memoryNet, pack, unpack } from "/dist/mod.js";

const runtimeGlobals = ["Deno", "Bun", "process", "Buffer", "require"].filter((name) => name in globalThis);
const net = memoryNet({ latencyMs: 10 });
const server = new Host(net.socket("server"));
const client = new Host(net.socket("client"));
client.connect("server").send({ hello: "edge" });
let message;
for (let frame = 0; frame < 20 && !message; frame++) {
  client.update();
  server.update();
  net.advance(16);
  for (let event; (event = server.poll());) if (event.type === "message") message = event.data;
}
postMessage({ runtimeGlobals, message, packs: unpack(pack([1, "a"])).length });
