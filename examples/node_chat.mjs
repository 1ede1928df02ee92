// The terminal chat of chat_udp.ts in Node, over node:dgram, with the built
// dist/mod.js (`deno task build` makes it). Talks to chat_udp.ts too.
//
//     node examples/node_chat.mjs                    # hosts on 127.0.0.1:7000
//     node examples/node_chat.mjs 127.0.0.1:7000 ada # joins as ada
import dgram from "node:dgram";
import process from "node:process";
import readline from "node:readline";
import { Host, nodeUdp } from "../dist/mod.js";

/** A name: letters, digits, _ . - (no invisible characters), as chat_udp.ts takes. */
const NAME = /^[\w.-]{1,24}$/;
const [given, name = `guest${Math.floor(Math.random() * 1000)}`] = process.argv.slice(2);
// An address is an IP and a port (the answers to a name come from its IP): "localhost" is taken as 127.0.0.1.
const join = given?.replace(/^localhost:/, "127.0.0.1:");
// A mistake says so in a line: "localhost" printed the whole of dist/mod.js (one minified line) and a stack.
if (
  join !== undefined &&
  !(/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(join) && NAME.test(name) && name.toLowerCase() !== "host")
) {
  console.error(
    `give the host's IP:port and a name of letters, digits, _ . - (127.0.0.1:7000 ada), not ${
      process.argv.slice(2).join(" ")
    }`,
  );
  process.exit(1);
}
/** chat_udp.ts's bounds (see there): at mod.ts's defaults one guest's timed messages took a host over 1 GB. */
const HOST_OPTIONS = { maxMessageBytes: 4096, maxQueuedBytes: 256 * 1024, maxTimedMessages: 1, channels: 1 };
const udp = dgram.createSocket("udp4");
await new Promise((resolve) => {
  // A second host on port 7000 exited with 13 and no word ("unsettled top-level await").
  // Only while binding: a later error of the socket is not a taken port.
  const taken = (error) => {
    console.error(
      `Port 7000 is taken (${error.code}): stop what uses it, or join it: node examples/node_chat.mjs 127.0.0.1:7000 ada`,
    );
    process.exit(1);
  };
  udp.once("error", taken);
  udp.bind(join ? 0 : 7000, "127.0.0.1", () => {
    udp.off("error", taken);
    resolve();
  });
});
// A guest's Host takes no peer but its host, as in chat_udp.ts: a stranger at a guest's port ended it.
const host = new Host(nodeUdp(udp), join ? { ...HOST_OPTIONS, maxPeers: 1 } : HOST_OPTIONS);
/** A guest's peer, its host: connected again when it times out (see the ticker). */
let server = join ? host.connect(join) : undefined;
console.log(join ? `joining ${join} as ${name}…` : "hosting on 127.0.0.1:7000: others run this with 127.0.0.1:7000");

/**
 * A chat line as a peer may send it: text, one line's worth, with no control character (a terminal's escapes) and no
 * bidi control (Unicode's Bidi_Control: U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069: "ada: \u202eevil"
 * showed as "ada: live"), as chat_udp.ts takes; Unicode's other format characters pass, ZWJ (U+200D) in emoji among
 * them (see there, a review, 2026-12-06). Anything else, an object whose String() throws among them, is dropped: it
 * ended the host (a review, 2026-12-05).
 * @param {unknown} data
 * @returns {data is string}
 */
const isLine = (data) => typeof data === "string" && data.length <= 1000 && !/[\p{Cc}\p{Bidi_Control}]/u.test(data);

/**
 * Each guest's name, taken from its first line ("ada: hi"): its lines are relayed under that name alone, no name twice,
 * nor "host" (any guest could send "host: …" or "bob: …": a review, 2026-12-06). As chat_udp.ts does.
 * @type {Map<import("../dist/mod.js").Peer, string>}
 */
const names = new Map();
/**
 * @param {import("../dist/mod.js").Peer} peer
 * @param {string} line
 */
function named(peer, line) {
  const name = line.slice(0, Math.max(0, line.indexOf(": ")));
  if (names.has(peer)) return names.get(peer) === name;
  const taken = [...names.values()].some((other) => other.toLowerCase() === name.toLowerCase());
  if (NAME.test(name) && name.toLowerCase() !== "host" && !taken) return names.set(peer, name), true;
  tell(peer, "* the host: that name is taken, or not letters, digits, _ . -: join again under another");
  peer.disconnect();
  return false;
}

/**
 * Sends a line to a guest; one whose queue is full (it acks nothing, past maxQueuedBytes send throws) is let go.
 * @param {import("../dist/mod.js").Peer} peer
 * @param {string} line
 */
function tell(peer, line) {
  try {
    peer.send(line);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    names.delete(peer); // a peer let go here makes no "disconnect" event: its name would stay taken for good
    peer.disconnect();
  }
}

/** The host relays a line to every peer but its sender, and prints it. */
function say(line, from) {
  console.log(line);
  for (const peer of host.peers) if (peer !== from) tell(peer, line);
}

/** Whether the host ever answered: a timeout before it did means no host, not one that went. */
let connected = false;
/** Joining again after losing the host: a timeout then means the host went, not that there was none. */
let rejoining = false;
/** When the ticker last ran (see `stoodStill`). */
let tickedAt = performance.now();
const ticker = setInterval(() => {
  // Stood still for over 8 s: stopped (Ctrl-Z, a laptop asleep), not busy. The host's goodbye for that silence can come
  // in before this side's own timeout, as "closed" (Node read it first: a review, 2026-12-06). 8 s: the host lets a
  // guest go after 10 s without a packet (its timeout), and an idle guest sends one every second (mod.ts's keepalive),
  // so one it let go stood still 9 s, or 8 with a keepalive lost. At 5 s, a guest held 6.5 s while its host left
  // (Ctrl+D) read that goodbye as one for its silence, joined again, and ended "no host answered" (2026-12-06).
  const stoodStill = performance.now() - tickedAt > 8000;
  tickedAt = performance.now();
  host.update();
  for (let event; (event = host.poll());) {
    if (event.type === "message") {
      if (!isLine(event.data)) continue;
      if (server) console.log(event.data);
      else if (named(event.peer, event.data)) say(event.data, event.peer);
    } else if (event.type === "connect") {
      if (server) connected = true, console.log("connected: type away");
      else say(`* ${event.peer.address} joined`, event.peer);
    } else if (server && !connected && rejoining && event.reason === "timeout") {
      // A host that went without a goodbye (its machine off, its program killed): "no host answered … start the host
      // first", 20 s on, read as if none had run (a review, 2026-12-06).
      console.log(`* the host is gone (it did not answer at ${server.address} again)`);
      process.exit(0);
    } else if (server && !connected) {
      // With no host running, it said "the host is gone" (or, its input ended, nothing) and exited with 0.
      console.error(`no host answered at ${server.address} (${event.reason}): start the host first`);
      process.exit(1);
    } else if (server && (event.reason === "timeout" || stoodStill)) {
      // Stopped past the timeout (Ctrl-Z, then fg 10 s later), it said "the host is gone" and ended, the host running
      // on: it joins again, as chat_udp.ts does (a host gone for good answers nothing, and that says so above).
      console.log(`* lost the host (${event.reason}): joining again`);
      connected = false;
      rejoining = true;
      server = host.connect(join);
    } else if (server) {
      console.log(`* the host is gone (${event.reason})`);
      process.exit(0);
    } else {
      names.delete(event.peer);
      say(`* ${event.peer.address} left (${event.reason})`);
    }
  }
}, 16);

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (!line) return;
  const text = `${server ? name : "host"}: ${line}`;
  // What the others would drop is not sent, and said so here (past 4 KiB, maxMessageBytes, send would throw).
  if (!isLine(text)) {
    console.error(
      "* not sent: a line is at most 1,000 characters, with no tab, control character or bidi control (U+200E, U+202E, …)",
    );
  } else if (server) server.send(text);
  else say(text);
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
  if (server && !connected) {
    console.error(`no host answered at ${server.address} (in 2 s): start the host first`);
    process.exit(1);
  }
});
