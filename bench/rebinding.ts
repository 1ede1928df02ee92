// `deno run -A bench/rebinding.ts [MODULE]`: a client whose address changes mid-game (a NAT that rebinds its port, a
// phone moving from Wi-Fi to mobile data), on memoryNet, 20 ms one way. The client sends a message every 16 ms update;
// at 5 s its datagrams start to leave from a new port and it hears only that port. Prints each side's events and what
// the server heard. jamnet has no connection migration: the server takes the new address for a stranger, both sides
// time out, and the game's `connect()` again makes a new Peer.
import type { Socket } from "../mod.ts";

const { Host, memoryNet } = await import(
  Deno.args[0] ? new URL(Deno.args[0], `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");
const net = memoryNet({ latencyMs: 20 });
const server = new Host(net.socket("server"));
const before = net.socket("10.0.0.2:5000");
const after = net.socket("10.0.0.2:6000");
let moved = false;
const client: Socket = {
  send: (data, to) => (moved ? after : before).send(data, to),
  listen(receive) {
    before.listen((data, from) => moved || receive(data, from)); // the old mapping is gone: nothing reaches it
    after.listen((data, from) => moved && receive(data, from));
  },
  close() {
    before.close();
    after.close();
  },
};
const host = new Host(client, { now: net.now }); // a socket of the game's own carries no clock: give memoryNet's
let peer = host.connect("server");
const log = (text: string) => console.log(`${net.now()} ms: ${text}`);
let heard = 0;
let sent = 0;
while (net.now() < 25_000) {
  if (net.now() == 5008) moved = true, log("the client's datagrams leave from a new port (10.0.0.2:6000)");
  if (peer.state == "connected") peer.send(sent++);
  host.update(), server.update(), net.advance(16);
  for (let event; (event = server.poll());) {
    if (event.type == "message") heard++;
    else {log(
        `server: ${event.type} from ${event.peer.address}${event.type == "disconnect" ? `, ${event.reason}` : ""}`,
      );}
  }
  for (let event; (event = host.poll());) {
    if (event.type == "message") continue;
    log(`client: ${event.type}${event.type == "disconnect" ? `, ${event.reason}` : ""}`);
    if (event.type == "disconnect") peer = host.connect("server"), log("client: connect() again");
  }
}
log(`the server heard ${heard} of ${sent} messages; ${server.stats.invalidDropped} datagrams dropped as a stranger's`);
