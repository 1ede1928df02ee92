/**
 * `deno task bench:arena`: the arena's bandwidth per player, with 8 players
 * in one room on 127.0.0.1. The server and 8 bots (headless clients running
 * the page's own client.js at 60 frames a second, over WebSockets) share this
 * process. Once all 8 see each other, it reads each client's `peer.stats`
 * over MEASURE_MS: bytes per second in (snapshots) and out (commands), and
 * the server's view of the same connections. Bytes are jamnet's datagrams,
 * as `stats` counts them: without the WebSocket's 2 to 8 bytes of framing
 * per message, nor TCP/IP headers. Bounded: it gives up after 60 s.
 *
 *     deno task bench:arena            # PLAYERS=16 deno task bench:arena for another count
 *
 * @module
 */
import { startArena } from "../examples/arena/server.ts";
import { TICK_HZ } from "../examples/arena/game.js";
import { pack } from "../mod.ts";

const PLAYERS = Number(Deno.env.get("PLAYERS") ?? 8);
const MEASURE_MS = Number(Deno.env.get("MEASURE_MS") ?? 10_000);
const deadline = Date.now() + 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const arena = await startArena({ port: 0, log: () => {} });
const bots = Array.from({ length: PLAYERS }, (_, i) => arena.addBot("bench", `bot ${i + 1}`));
while (!bots.every((bot) => Object.keys(bot.client?.newest?.players ?? {}).length === PLAYERS)) {
  if (Date.now() > deadline) throw new Error(`Gave up: ${PLAYERS} bots did not all see each other within 60 s`);
  await sleep(50);
}
await sleep(1000); // past the first, whole snapshots: deltas from here on

const [room] = [...arena.rooms];
const serverPeers = [...room.members.keys()];
const read = () => ({
  at: performance.now(),
  clients: bots.map(({ client, frames }) => ({ ...client!.stats, frames })),
  server: serverPeers.map((peer) => ({ ...peer.stats })),
});
const before = read();
await sleep(MEASURE_MS);
const after = read();
const seconds = (after.at - before.at) / 1000;

/** Min, median and max of a list, rounded. */
function spread(values: number[]): string {
  const sorted = values.toSorted((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return [sorted[0], median, sorted.at(-1)!].map((value) => Math.round(value).toLocaleString("en")).join(" / ");
}
const perClient = (pick: (index: number) => number) => spread(bots.map((_, i) => pick(i) / seconds));
const c = (i: number) => [before.clients[i], after.clients[i]] as const;
const s = (i: number) => [before.server[i], after.server[i]] as const;

console.log(
  `${PLAYERS} players in one room, ${TICK_HZ} Hz snapshots, ${seconds.toFixed(1)} s on 127.0.0.1 (min / median / max):`,
);
console.log(`| per player | value |`);
console.log(`| --- | --: |`);
console.log(
  `| bytes/s in (snapshots, client's bytesReceived) | ${
    perClient((i) => c(i)[1].bytesReceived - c(i)[0].bytesReceived)
  } |`,
);
console.log(
  `| bytes/s out (commands, client's bytesSent) | ${perClient((i) => c(i)[1].bytesSent - c(i)[0].bytesSent)} |`,
);
console.log(`| packets/s in | ${perClient((i) => c(i)[1].packetsReceived - c(i)[0].packetsReceived)} |`);
console.log(`| packets/s out | ${perClient((i) => c(i)[1].packetsSent - c(i)[0].packetsSent)} |`);
console.log(`| frames/s played | ${perClient((i) => c(i)[1].frames - c(i)[0].frames)} |`);
console.log(`| server bytes/s to the player | ${perClient((i) => s(i)[1].bytesSent - s(i)[0].bytesSent)} |`);
console.log(`| server bytes/s from the player | ${perClient((i) => s(i)[1].bytesReceived - s(i)[0].bytesReceived)} |`);
const snapshotBytes = bots.map((_, i) =>
  (c(i)[1].bytesReceived - c(i)[0].bytesReceived) / (c(i)[1].packetsReceived - c(i)[0].packetsReceived)
);
console.log(`| bytes per packet in | ${spread(snapshotBytes)} |`);
const wholeBytes = [...room.members.values()].map((player) => pack(room.world.snapshot(player)).length);
console.log(`| one snapshot packed whole, for comparison | ${spread(wholeBytes)} |`);
await arena.close();
