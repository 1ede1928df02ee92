/**
 * WebSockets the Cloudflare room (examples/cloudflare/room.mjs) closed past RECEIVE_BYTES_PER_SECOND after reading
 * nothing for a while, in workerd: each round, `players` players (default 15) over WebSockets written by hand
 * (e2e/tools.ts's `pausableWebSocket`) join, stop reading, relay messages of 16,000 bytes 5 times a second each (within
 * every allowance) for `ms` ms (default 1,000: under MAX_UNREAD_BYTES), then each sends one message of 140,000 bytes,
 * past its 128 KiB, and answers no close. A round every 5.5 s, `rounds` rounds (default 6); it prints workerd's RSS
 * (VmRSS from /proc) and how many joined. Needs Linux, the workerd package e2e/workerd_test.ts installs, and no other
 * workerd running (the newest is read).
 *
 *     WORKERD_KILL_MS=200000 deno run -A bench/room_cut_unread.ts [players] [ms] [rounds]
 *
 * 2026-12-07, 15 players, 400 ms: with room.mjs of cb679cb (each cut WebSocket counted 5 s), all 15 joined in each of 12
 * rounds, and workerd went 59 → 96, 106, 114, … 180 MB by round 10; with `0` ms (sent nothing but the count and
 * pings), 58 → 91 MB in 8 rounds. With those cut with bytes not shown read counted while held: 15, 15, 2, then 0
 * joined, 58 → 103 MB, flat from round 3.
 *
 * @module
 */
import { inRoom, missing, type Player, unreadPlayer, workerdRssMb } from "../e2e/workerd_test.ts";

const [players = 15, ms = 1_000, rounds = 6] = Deno.args.map(Number);
if (missing) throw new Error(`no workerd: ${missing}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await inRoom("cut", async (roomUrl) => {
  const held: { close(): void }[] = [];
  console.log(`0: workerd RSS ${(await workerdRssMb()).toFixed(0)} MB`);
  for (let round = 1; round <= rounds; round++) {
    const these: (Player & { raw: Awaited<ReturnType<typeof unreadPlayer>>["ws"] })[] = [];
    for (let n = 0; n < players; n++) {
      let one;
      try {
        one = await unreadPlayer(roomUrl);
      } catch {
        continue; // refused (503): the room holds 32
      }
      held.push(one.ws);
      these.push({ ...one.player, raw: one.ws });
    }
    for (const deadline = Date.now() + 3_000; Date.now() < deadline;) {
      if (these.every((one) => one.peer.state === "connected")) break;
      for (const one of these) (one.host.update(), one.host.poll());
      await sleep(5);
    }
    const joined = these.filter((one) => one.peer.state === "connected");
    for (const one of these) one.raw.pause();
    const message = new Uint8Array(16_000);
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < ms) {
      while (sent < (Date.now() - started) * joined.length * 5 / 1000) {
        const from = joined[sent++ % joined.length];
        if (from.peer.state === "connected") from.peer.send(message);
      }
      for (const one of joined) one.host.update();
      await sleep(5);
    }
    for (const one of these) one.raw.send(new Uint8Array(140_000));
    await sleep(5_500 - ms);
    console.log(
      `round ${round}: ${these.length} upgraded, ${joined.length} joined; workerd RSS ${
        (await workerdRssMb()).toFixed(0)
      } MB`,
    );
  }
  for (const ws of held) ws.close();
});
