/**
 * `deno run -A bench/reliable_drop.ts [MODULE]`: what one datagram lost on a reliable socket that stays open does to
 * a reliable channel. Two Hosts on memoryNet (20 ms one way), both sockets marked reliable (as a WebSocket's are);
 * the server sends a reliable message a tick, and its socket drops one datagram at tick 50. Prints how many messages
 * the client got, the tick of the last, and how the connection ended. On 2026-12-02: 49 messages, the last at tick
 * 53, the client ended as "timeout" at tick 681 (10 s later). (Bun's server WebSocket drops this way past its
 * backpressure limit; webSocketServer now closes such a WebSocket, see NOTES.md, Security.)
 *
 * @module
 */
import type { Peer, Socket } from "../mod.ts";

const { Host, memoryNet } = await import(Deno.args[0] ?? "../mod.ts") as typeof import("../mod.ts");

const net = memoryNet({ latencyMs: 20 });
let dropAt = -1;
let sent = 0;
/** The socket, reliable; when `drops`, it loses datagram number dropAt and stays open. */
const reliable = (socket: Socket, drops: boolean): Socket => ({
  ...socket,
  reliable: true,
  send(data, to) {
    if (!drops || sent++ != dropAt) socket.send(data, to);
  },
});
const server = new Host(reliable(net.socket("server"), true));
const client = new Host(reliable(net.socket("client"), false));
client.connect("server");
let serverPeer: Peer | undefined;
let got = 0;
let last = -1;
let ended = "";
let tick = 0;
for (; tick < 1500 && !ended; tick++) {
  if (tick == 50) dropAt = sent + 3;
  client.update();
  server.update();
  net.advance(16);
  for (let event; (event = server.poll());) {
    if (event.type == "connect") serverPeer = event.peer;
    if (event.type == "disconnect") ended = `the server: "${event.reason}" at tick ${tick}`;
  }
  for (let event; (event = client.poll());) {
    if (event.type == "message") got++, last = tick;
    if (event.type == "disconnect") ended ||= `the client: "${event.reason}" at tick ${tick}`;
  }
  if (serverPeer?.state == "connected") serverPeer.send({ tick });
}
console.log(`${got} messages, the last at tick ${last}; ended: ${ended || "no"}`);
