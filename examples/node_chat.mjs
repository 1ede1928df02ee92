// The terminal chat of chat_udp.ts in Node, over node:dgram, with the built
// dist/mod.js (`deno task build` makes it). Talks to chat_udp.ts too.
//
//     node examples/node_chat.mjs                    # hosts on 127.0.0.1:7000
//     node examples/node_chat.mjs 127.0.0.1:7000 ada # joins as ada
import dgram from "node:dgram";
import process from "node:process";
import readline from "node:readline";
import { Host, nodeUdp } from "../dist/mod.js";

const [join, name = `guest${Math.floor(Math.random() * 1000)}`] = process.argv.slice(2);
const udp = dgram.createSocket("udp4");
await new Promise((resolve) => udp.bind(join ? 0 : 7000, "127.0.0.1", resolve));
const host = new Host(nodeUdp(udp));
// An address is an IP and a port (the answers to a name come from its IP): "localhost" is taken as 127.0.0.1.
const server = join ? host.connect(join.replace(/^localhost:/, "127.0.0.1:")) : undefined;
console.log(join ? `joining ${join} as ${name}…` : "hosting on 127.0.0.1:7000: others run this with 127.0.0.1:7000");

/**
 * A chat line as a peer may send it: text, one line's worth, with no control character (a terminal's escapes). Anything
 * else, an object whose String() throws among them, is dropped: it ended the host (a review, 2026-12-05).
 * @param {unknown} data
 * @returns {data is string}
 */
const isLine = (data) => typeof data === "string" && data.length <= 1000 && !/\p{Cc}/u.test(data);

/** The host relays a line to every peer but its sender, and prints it; a peer that reads nothing is let go. */
function say(line, from) {
  console.log(line);
  for (const peer of host.peers) {
    if (peer === from) continue;
    try {
      peer.send(line);
    } catch (error) {
      // Past maxQueuedBytes (4 MiB) waiting for a peer that acks nothing, send throws: that peer goes, not the host.
      if (!(error instanceof RangeError)) throw error;
      peer.disconnect();
    }
  }
}

const ticker = setInterval(() => {
  host.update();
  for (let event; (event = host.poll());) {
    if (event.type === "message") {
      if (!isLine(event.data)) continue;
      if (server) console.log(event.data);
      else say(event.data, event.peer);
    } else if (event.type === "connect") {
      if (server) console.log("connected: type away");
      else say(`* ${event.peer.address} joined`, event.peer);
    } else if (server) {
      console.log(`* the host is gone (${event.reason})`);
      process.exit(0);
    } else say(`* ${event.peer.address} left (${event.reason})`);
  }
}, 16);

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (!line) return;
  if (server) server.send(`${name}: ${line}`);
  else say(`host: ${line}`);
});
// Ctrl+D: a Host.close() sends the goodbye before the socket closes, so the others hear "closed". Input that ended
// before the handshake did (`echo hi | …`) waits for it, up to 2 s, so that its lines go first.
lines.on("close", async () => {
  for (let waited = 0; server?.state === "connecting" && waited < 2000; waited += 16) {
    await new Promise((resolve) => setTimeout(resolve, 16));
  }
  clearInterval(ticker);
  host.update(); // what waits goes now
  host.close();
});
