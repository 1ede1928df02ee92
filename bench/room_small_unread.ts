/**
 * What players that read nothing cost the Cloudflare room (examples/cloudflare/room.mjs) in workerd when the room sends
 * them small datagrams: `players` players (default 15) over WebSockets written by hand (e2e/tools.ts's
 * `pausableWebSocket`) join beside an honest one and stop reading (with `reading`, they read all the while), and the
 * honest one changes its state every 16 ms, so that the room sends each player a delta of a few bytes at each tick. For
 * `seconds` (default 25; past 25 set WORKERD_KILL_MS, as workerd is killed at 30 s) it prints workerd's RSS, what the
 * honest player was sent, and how many the room closed. Needs Linux and the workerd package e2e/workerd_test.ts installs.
 *
 *     WORKERD_KILL_MS=120000 deno run -A bench/room_small_unread.ts [players] [seconds] [reading]
 *
 * 2026-12-06, 15 players for 90 s, the room counting bytes alone: 60 → 235 MB, rising all the while, none closed, each
 * sent about 5,100 datagrams of 28 bytes (141 KB); with `reading`, 65 to 160 MB and back to 67 (the heap's collections). Counting SEND_OVERHEAD_BYTES a message,
 * all 15 closed by 25 s, at 147 MB, and 157 MB at 45 s.
 *
 * @module
 */
import { inRoom, type Player, player, roomCount, unreadPlayer, until, workerdRssMb } from "../e2e/workerd_test.ts";

const [players = 15, seconds = 25] = Deno.args.slice(0, 2).map(Number);
await inRoom("small", async (roomUrl, output) => {
  const unread: Player[] = [];
  const sockets = [];
  for (let n = 0; n < players; n++) {
    const one = await unreadPlayer(roomUrl, 600_000);
    unread.push(one.player);
    sockets.push(one.ws);
  }
  const honest = player(roomUrl);
  let bytes = 0, frames = 0;
  honest.ws.addEventListener("message", (e) => {
    bytes += (e as MessageEvent).data.byteLength ?? (e as MessageEvent).data.size;
    frames++;
  });
  const all = [...unread, honest];
  await until(all, () => all.every((one) => one.peer.state === "connected"), "not all joined", output);
  await until([honest], () => roomCount(honest)?.players === all.length, "no count of all", output);
  if (!Deno.args.includes("reading")) { for (const ws of sockets) ws.pause(); }
  const started = Date.now();
  let x = 0;
  console.log(`0 s: RSS ${(await workerdRssMb()).toFixed(0)} MB`);
  for (let second = 1; second <= seconds; second++) {
    while (Date.now() - started < second * 1000) {
      for (const { host } of all) {
        host.update();
        for (let event; (event = host.poll());) {
          if (host === honest.host && event.type === "message") honest.messages.push(event);
        }
      }
      honest.peer.send({ x: x++ }, { mode: "state" });
      await new Promise((r) => setTimeout(r, 16));
    }
    if (second % 5 === 0) {
      console.log(
        `${second} s: RSS ${(await workerdRssMb()).toFixed(0)} MB; honest got ${frames} frames ${bytes} bytes; count ${
          roomCount(honest)?.players
        } ${honest.peer.state}; closed by room: ${sockets.filter((s) => s.closedBy).length}`,
      );
    }
  }
  for (const one of all) one.host.close();
  for (const ws of sockets) ws.close();
});
