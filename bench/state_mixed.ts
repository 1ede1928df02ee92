/**
 * `deno run -A bench/state_mixed.ts [MODULE...]`: a `"state"` usually of one piece (100 numbers, about 900 bytes) and
 * every 40th tick of about 40 (5,000 numbers, 45 KB), every number new each tick, sent every update (60 Hz, 16 ms
 * ticks, 1,200 ticks, 10 seeds), over UDP at 50 ms with and without 5% loss, and over a reliable socket (a WebSocket's
 * 8 packets an update, 30 ms). Prints for each MODULE (paths to mod.ts or copies of it; default ../mod.ts) the states
 * received, the large ones among them, and the age of the newest state the receiver held, tick by tick from tick 100,
 * pooled over the seeds (ms from `send` on the sender's clock). The clock is virtual: a run gives the same numbers
 * every time.
 *
 * @module
 */
import { seeded } from "../test_tools.ts";

const modules = Deno.args.length ? Deno.args : [new URL("../mod.ts", import.meta.url).pathname];
const links: [string, Record<string, number>, boolean][] = [
  ["UDP, 50 ms, 5% loss", { latencyMs: 50, loss: 0.05 }, false],
  ["UDP, 50 ms", { latencyMs: 50 }, false],
  ["reliable socket, 8 packets an update, 30 ms", { latencyMs: 30 }, true],
];
console.log("| link | module | states received | large ones of 290 | age p50 / p90 / p99 ms |\n|---|---|--:|--:|--:|");
for (const [name, link, reliable] of links) {
  for (const modulePath of modules) {
    const { Host, memoryNet } = await import(new URL(modulePath, `file://${Deno.cwd()}/`).href);
    const ages: number[] = [];
    let received = 0, large = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const random = seeded(seed);
      const net = memoryNet({ ...link, seed });
      const socket = (address: string) => reliable ? { ...net.socket(address), reliable: true } : net.socket(address);
      const server = new Host(socket("server"));
      const client = new Host(socket("client"));
      const peer = client.connect("server");
      let newest = -1;
      const sentAt: number[] = [];
      for (let tick = 0; tick < 1200; tick++) {
        if (peer.state === "connected") {
          const world = Array.from({ length: tick % 40 == 0 ? 5000 : 100 }, () => random());
          world[0] = tick;
          sentAt[tick] = net.now();
          peer.send(world, { mode: "state" });
        }
        client.update();
        server.update();
        net.advance(16);
        for (let event; (event = server.poll());) {
          if (event.type !== "message") continue;
          received++;
          if (event.data.length > 100) large++;
          newest = Math.max(newest, event.data[0]);
        }
        while (client.poll());
        if (tick >= 100) ages.push(newest < 0 ? Infinity : net.now() - sentAt[newest]);
      }
    }
    ages.sort((a, b) => a - b);
    const at = (fraction: number) => ages[Math.floor(ages.length * fraction)];
    console.log(`| ${name} | ${modulePath} | ${received} | ${large} | ${at(0.5)} / ${at(0.9)} / ${at(0.99)} |`);
  }
}
