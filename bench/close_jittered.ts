// `deno run -A bench/close_jittered.ts [MODULE]`: how often a goodbye is heard (README, Security, "The goodbye is
// acked"). Pairs of Hosts on memoryNet, 30 ms one way, both updating every 16 ms, the client sending a 1-byte unreliable
// message each update; its goodbye goes at 2 s plus (seed % 37) updates, 2 to 2.6 s in, 1,000 seeds (the net's link and
// both Hosts' random bytes seeded alike). Two ways: `host.close()` alone (5 CLOSING packets at once), and
// `peer.disconnect()` on each peer, 11 more updates, then `host.close()`; then 10 updates. Two links: 20% loss, and 1% of
// datagrams starting a burst of 8 lost. Prints, per link and way, how many servers heard `"disconnect"` `"closed"`.
import type { HostEvent, LinkOptions } from "../mod.ts";
import { seededBytes } from "../test_tools.ts";

const { Host, memoryNet } = await import(
  Deno.args[0] ? new URL(Deno.args[0], `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");
const SEEDS = 1000;
const links: [string, LinkOptions][] = [
  ["30 ms one way, 20% loss", { latencyMs: 30, loss: 0.2 }],
  ["30 ms one way, 1% of datagrams starting a burst of 8 lost", { latencyMs: 30, burstLoss: 0.01 }],
];
for (const [label, link] of links) {
  for (const disconnectFirst of [false, true]) {
    let heard = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const net = memoryNet({ ...link, seed });
      const server = new Host(net.socket("server"), { now: net.now, random: seededBytes(seed) });
      const client = new Host(net.socket("client"), { now: net.now, random: seededBytes(seed) });
      const serverEvents: HostEvent[] = [];
      const step = () => {
        client.update();
        server.update();
        net.advance(16);
        for (let event; (event = server.poll());) serverEvents.push(event);
        while (client.poll());
      };
      const peer = client.connect("server");
      while (net.now() < 2000 + (seed % 37) * 16) {
        if (peer.state === "connected") peer.send(0, { mode: "unreliable" });
        step();
      }
      if (disconnectFirst) {
        for (const each of client.peers) each.disconnect();
        for (let i = 0; i < 11; i++) step();
      }
      client.close();
      for (let i = 0; i < 10; i++) step();
      if (serverEvents.some((event) => event.type === "disconnect" && event.reason === "closed")) heard++;
    }
    const way = disconnectFirst ? "disconnect(), 11 updates, close()" : "close() alone";
    console.log(`${label}, ${way}: ${heard} of ${SEEDS} heard "closed"`);
  }
}
