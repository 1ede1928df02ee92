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

/**
 * A name: letters, digits, _ . - (no invisible characters: "a\u200bda" shows as "ada"; look-alikes in ASCII, "bob" and
 * "b0b", are two names).
 */
const NAME = /^[\w.-]{1,24}$/;
const [given, name = `guest${Math.floor(Math.random() * 1000)}`] = Deno.args;
// An address is an IP and a port (the answers to a name come from its IP): "localhost" is taken as 127.0.0.1.
const join = given?.replace(/^localhost:/, "127.0.0.1:");
// A mistake says so in a line: "7001" or "127.0.0.1" threw connect's stack.
if (
  join !== undefined &&
  !(/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(join) && NAME.test(name) && name.toLowerCase() !== "host")
) {
  console.error(
    `give the host's IP:port and a name of letters, digits, _ . - (127.0.0.1:7000 ada), not ${Deno.args.join(" ")}`,
  );
  Deno.exit(1);
}
/**
 * Both ends' Host options: a line is 1,000 characters at most (3 KB in UTF-8), and at mod.ts's defaults one guest's
 * messages were held unpacked, by the thousand when timed: 30 of 1 MiB timed 9 s ahead, each an array of a million
 * empty objects, took the host from 40 MB to 1.2 GB in 6 s (a review, 2026-12-06). Here 4 KiB a message, a timed
 * one held at most (two in all), one channel, and 256 KiB waiting for a guest: the host then stayed under 80 MB. node_chat.mjs takes the same.
 */
const HOST_OPTIONS = { maxMessageBytes: 4096, maxQueuedBytes: 256 * 1024, maxTimedMessages: 1, channels: 1 };
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
// A guest's Host takes no peer but its host (maxPeers counts the one it connects to): the host tells everyone where each
// guest is ("* 127.0.0.1:56895 joined"), and a stranger that connected there had its lines shown as the host's and its
// goodbye read as "the host is gone", which ended the guest (a review, 2026-12-06).
const host = new Host(denoUdp(socket), join ? { ...HOST_OPTIONS, maxPeers: 1 } : HOST_OPTIONS);
/** A guest's peer, its host: connected again when it times out (see the ticker). */
let server: Peer | undefined = join ? host.connect(join) : undefined;
console.log(join ? `joining ${join} as ${name}…` : "hosting on 127.0.0.1:7000: others run this with 127.0.0.1:7000");

/**
 * A chat line as a peer may send it: text, one line's worth, with no control character (a terminal's escapes: ESC [2J
 * cleared every screen in the chat) and no bidi control (Unicode's Bidi_Control: U+061C, U+200E, U+200F, U+202A to
 * U+202E, U+2066 to U+2069), which turns the text after it around: "ada: \u202eevil" showed as "ada: live", and even a
 * mark, "ada: hi\u200f 12 - 34", as "ada: hi34 - 12" (GNU FriBidi 1.0.16, a review, 2026-12-06). Unicode's other
 * format characters (Cf) pass: ZWJ (U+200D) joins emoji such as 👩‍💻, a flag's tag characters follow 🏴, and none of
 * them moves text. Anything else, an object whose String() throws among them, is dropped: it ended the host (a review,
 * 2026-12-05).
 */
const isLine = (data: unknown): data is string =>
  typeof data === "string" && data.length <= 1000 && !/[\p{Cc}\p{Bidi_Control}]/u.test(data);

/**
 * Each guest's name, taken from its first line ("ada: hi"): the host relays a guest's lines under that name alone, and
 * gives no name twice, nor "host". A guest writes its own lines, so any guest could send "host: …", "bob: …" or
 * "* 127.0.0.1:5000 left (closed)", and the others saw it as said (a review, 2026-12-06).
 */
const names = new Map<Peer, string>();
function named(peer: Peer, line: string): boolean {
  const name = line.slice(0, Math.max(0, line.indexOf(": ")));
  if (names.has(peer)) return names.get(peer) === name;
  const taken = [...names.values()].some((other) => other.toLowerCase() === name.toLowerCase());
  if (NAME.test(name) && name.toLowerCase() !== "host" && !taken) return names.set(peer, name), true;
  tell(peer, "* the host: that name is taken, or not letters, digits, _ . -: join again under another");
  peer.disconnect();
  return false;
}

/** Sends a line to a guest; one whose queue is full (it acks nothing, past maxQueuedBytes send throws) is let go. */
function tell(peer: Peer, line: string): void {
  try {
    peer.send(line);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    names.delete(peer); // a peer let go here makes no "disconnect" event: its name would stay taken for good
    peer.disconnect();
  }
}

/** The host relays a line to every peer but its sender, and prints it. */
function say(line: string, from?: Peer): void {
  console.log(line);
  for (const peer of host.peers) if (peer !== from) tell(peer, line);
}

/** Whether the host ever answered: a timeout before it did means no host, not one that went. */
let connected = false;
/** Joining again after losing the host (see below): a timeout then means the host went, not that there was none. */
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
      if (!server) say(`* ${event.peer.address} joined`, event.peer);
      else {
        connected = true;
        console.log("connected: type away");
      }
    } else {
      // A host that never answered is not "gone": with none running, that line looked like a chat that had ended.
      if (server && event.reason === "timeout" && !connected) {
        // A host that went without a goodbye (its machine off, its program killed) said "no host answered … start the
        // host first" here, 20 s on, as if none had run (a review, 2026-12-06).
        if (rejoining) console.log(`* the host is gone (it did not answer at ${server.address} again)`);
        else console.error(`no host answered at ${server.address} (${event.reason}): start the host first`);
        Deno.exit(rejoining ? 0 : 1);
      }
      // Stopped past the timeout (Ctrl-Z, then fg 10 s later; a laptop's lid closed), the guest said "the host is gone"
      // and ended, the host running on (a review, 2026-12-06). It joins again: a host gone for good then answers
      // nothing, and that says "no host answered" above.
      if (server && (event.reason === "timeout" || stoodStill)) {
        console.log(`* lost the host (${event.reason}): joining again`);
        connected = false;
        rejoining = true;
        server = host.connect(join!);
      } else if (server) {
        console.log(`* the host is gone (${event.reason})`);
        Deno.exit(0);
      } else {
        names.delete(event.peer);
        say(`* ${event.peer.address} left (${event.reason})`);
      }
    }
  }
}, 16);

const decoder = new TextDecoder();
for await (const chunk of Deno.stdin.readable) {
  for (const line of decoder.decode(chunk).split(/\r?\n/).filter(Boolean)) {
    const text = `${server ? name : "host"}: ${line}`;
    // What the others would drop is not sent, and said so here (past 4 KiB, maxMessageBytes, send would throw).
    if (!isLine(text)) {
      console.error(
        "* not sent: a line is at most 1,000 characters, with no tab, control character or bidi control (U+200E, U+202E, …)",
      );
    } else if (server) server.send(text);
    else say(text);
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
