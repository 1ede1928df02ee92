/**
 * What players that read nothing cost the Cloudflare room (examples/cloudflare/room.mjs) in workerd: `players` players
 * (default 15) over WebSockets written by hand (e2e/tools.ts's `pausableWebSocket`) join beside an honest one, stop
 * reading, and go on sending jamnet's keepalives and messages of 16,000 bytes, `perSecond` each (default 2), one at a
 * time, within every allowance of the room. For 24 s it prints workerd's RSS (VmRSS from /proc) and the count the
 * honest player was told. With `reading`, they read all the while and answer the room's pings (on channel 2) as a
 * player does: what the same traffic costs when it is read. Needs Linux, the workerd package e2e/workerd_test.ts
 * installs, and no other workerd running (the newest is read).
 *
 *     deno run -A bench/room_unread.ts [players] [perSecond] [reading]
 *
 * 2026-12-06, 15 players at 2 a second: before the room's pings (its room.mjs of d6d72d1), 64 → 474 MB in 24 s, and
 * all 15 kept their places; with them, all 15 closed within 6 s, 60 → 119 MB by then and 122 MB at 24 s (within 2 s,
 * 105–107 and 122–124 MB, while the room's packets were 1,200 bytes, each counted with its SEND_OVERHEAD_BYTES). What
 * the closed WebSockets send on is still handed to the room, to be ignored. With `reading`, all 15 kept their places,
 * and the traffic they went on getting took workerd to 154 MB at 24 s (238 with packets of 1,200 bytes).
 *
 * @module
 */
import {
  inRoom,
  missing,
  type Player,
  player,
  roomCount,
  unreadPlayer,
  until,
  workerdRssMb,
} from "../e2e/workerd_test.ts";

const [players = 15, perSecond = 2] = Deno.args.slice(0, 2).map(Number);
const reading = Deno.args[2] === "reading";
if (missing) throw new Error(`no workerd: ${missing}`);
if (!(players >= 1 && perSecond > 0) || ![undefined, "reading"].includes(Deno.args[2])) {
  throw new Error("usage: deno run -A bench/room_unread.ts [players] [perSecond] [reading]");
}

await inRoom("unread", async (roomUrl, output) => {
  const unread: Player[] = [];
  const sockets = [];
  for (let n = 0; n < players; n++) {
    const one = await unreadPlayer(roomUrl);
    unread.push(one.player);
    sockets.push(one.ws);
  }
  const honest = player(roomUrl);
  const all = [...unread, honest];
  await until(all, () => all.every((one) => one.peer.state === "connected"), "not all joined", output);
  await until([honest], () => roomCount(honest)?.players === all.length, "no count of all", output);
  if (!reading) { for (const ws of sockets) ws.pause(); }
  const message = new Uint8Array(16_000);
  const started = Date.now();
  let sent = 0;
  console.log(`${players} players that read ${reading ? "all" : "nothing"}, ${perSecond} messages a second each:`);
  console.log(`0 s: workerd RSS ${(await workerdRssMb()).toFixed(0)} MB`);
  for (let second = 1; second <= 24; second++) {
    while (Date.now() - started < second * 1000) {
      while (sent < (Date.now() - started) * players * perSecond / 1000) {
        const from = unread[sent++ % players];
        if (from.peer.state === "connected") from.peer.send(message);
      }
      for (const { host } of all) {
        host.update();
        for (let event; (event = host.poll());) {
          if (event.type !== "message") continue;
          const ping = (event.data as { ping?: number })?.ping;
          if (host === honest.host) honest.messages.push(event);
          else if (event.channel === 2 && ping !== undefined) event.peer.send({ pong: ping }, { channel: 2 });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (second % 3 === 0 || second <= 2) {
      console.log(
        `${second} s: workerd RSS ${(await workerdRssMb()).toFixed(0)} MB; the honest player told of ` +
          `${roomCount(honest)?.players} in the room (${honest.peer.state})`,
      );
    }
  }
  for (const one of all) one.host.close();
  for (const ws of sockets) ws.close();
});
