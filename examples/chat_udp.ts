/**
 * A terminal chat over UDP in Deno. One process hosts, others connect; the
 * host relays every line to everyone.
 *
 *     deno run -A examples/chat_udp.ts                    # hosts on 127.0.0.1:7000
 *     deno run -A examples/chat_udp.ts 127.0.0.1:7000 ada # joins as ada
 *
 * Type a line and press Enter; Ctrl+D leaves (the others see it at once), and so does the end of piped input.
 *
 * @module
 */
import { denoUdp, Host, type Peer } from "../mod.ts";

const [join, name = `guest${Math.floor(Math.random() * 1000)}`] = Deno.args;
const port = join ? 0 : 7000;
let socket;
try {
  socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port });
} catch (error) {
  // A second host: one line that says what to do, not AddrInUse's stack. The host's port is fixed, so the other way
  // out is to join the chat that holds it.
  if (!(error instanceof Deno.errors.AddrInUse)) throw error;
  console.error(
    `Port ${port} is taken: stop what uses it, or join it: deno run -A examples/chat_udp.ts 127.0.0.1:${port} ada`,
  );
  Deno.exit(1);
}
const host = new Host(denoUdp(socket));
// An address is an IP and a port (the answers to a name come from its IP): "localhost" is taken as 127.0.0.1.
const server: Peer | undefined = join ? host.connect(join.replace(/^localhost:/, "127.0.0.1:")) : undefined;
console.log(join ? `joining ${join} as ${name}…` : "hosting on 127.0.0.1:7000: others run this with 127.0.0.1:7000");

/**
 * A chat line as a peer may send it: text, one line's worth, with no control character (a terminal's escapes: ESC [2J
 * cleared every screen in the chat). Anything else, an object whose String() throws among them, is dropped: it ended
 * the host (a review, 2026-12-05).
 */
const isLine = (data: unknown): data is string =>
  typeof data === "string" && data.length <= 1000 && !/\p{Cc}/u.test(data);

/** The host relays a line to every peer but its sender, and prints it; a peer that reads nothing is let go. */
function say(line: string, from?: Peer): void {
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

/** Whether the host ever answered: a timeout before it did means no host, not one that went. */
let connected = false;
const ticker = setInterval(() => {
  host.update();
  for (let event; (event = host.poll());) {
    if (event.type === "message") {
      if (!isLine(event.data)) continue;
      if (server) console.log(event.data);
      else say(event.data, event.peer);
    } else if (event.type === "connect") {
      if (!server) say(`* ${event.peer.address} joined`, event.peer);
      else {
        connected = true;
        console.log("connected: type away");
      }
    } else {
      // A host that never answered is not "gone": with none running, that line looked like a chat that had ended.
      if (server && event.reason === "timeout" && !connected) {
        console.error(`no host answered at ${server.address} (${event.reason}): start the host first`);
        Deno.exit(1);
      }
      if (server) {
        console.log(`* the host is gone (${event.reason})`);
        Deno.exit(0);
      }
      say(`* ${event.peer.address} left (${event.reason})`);
    }
  }
}, 16);

const decoder = new TextDecoder();
for await (const chunk of Deno.stdin.readable) {
  for (const line of decoder.decode(chunk).split("\n").filter(Boolean)) {
    if (server) server.send(`${name}: ${line}`);
    else say(`host: ${line}`);
  }
}
// Input that ended before the handshake did (`echo hi | …`): wait for it, up to 2 s, so that the lines go before the
// goodbye (they were lost, and the host never saw this player: a review, 2026-12-03).
for (let waited = 0; server?.state === "connecting" && waited < 2000; waited += 16) {
  await new Promise((resolve) => setTimeout(resolve, 16));
}
// Ctrl+D: a Host.close() sends the goodbye before the socket closes, so the others hear "closed".
clearInterval(ticker);
host.update(); // what waits goes now
host.close();
if (server && !connected) {
  console.error(`no host answered at ${server.address} (in 2 s): start the host first`);
  Deno.exit(1);
}
