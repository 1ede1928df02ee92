/**
 * Honest players of the Cloudflare room (examples/cloudflare/room.mjs) in workerd: `players` players (default 16), each
 * on a loop of its own that polls its Host (answering the room's pings, as e2e/workerd_test.ts's `player` does), sends
 * a message of about `bytes` bytes (default 100) and its state, and updates its Host last, as the README's player of
 * the room does: all at 60 Hz but one at 20 Hz and one at 1 Hz (a browser runs a hidden tab's timers once a second).
 * For `seconds` (default 30) it prints who was let go or closed, and what each heard. With `updateFirst`, each loop
 * updates its Host first, and what it sends (its pongs too) leaves at its next turn. Needs the workerd package
 * e2e/workerd_test.ts installs, and WORKERD_KILL_MS past `seconds` + 10 s.
 *
 *     WORKERD_KILL_MS=90000 deno run -A bench/room_honest.ts [players] [bytes] [seconds] [updateFirst]
 *
 * 2026-12-07, 16 players, 15–30 s, the 1 Hz player's most behind as the room counts it (from a copy of room.mjs that
 * logged it): with `updateFirst`, at 100 and 300 bytes everyone played on (100: 597 KB behind at most, the 60 Hz players
 * 84 KB), at 400 and 500 the 1 Hz player was closed at 2.8 s, past 2 MiB; updating last, at 400 and 500 everyone played
 * on, the 1 Hz player 1.1–1.4 MB behind at most, the others 290–340 KB. At 700 bytes, updating last, the room's queue
 * to each of the 60 Hz and 20 Hz players passed its 256 KiB at 1.3 s and they were let go: a reliable socket's queue
 * drains 8 packets an update, and 16 players' 700 bytes at 60 Hz are more. Since the room's packets are up to 17 KiB
 * (ROOM_OPTIONS.mtu; mine, 15 s each): at 700 and 1,000 bytes everyone played on; at 1,500 the 60 Hz players passed
 * their relay allowance (96 KiB a second) and were let go at 4 s, the 20 and 1 Hz ones played on.
 *
 * @module
 */
import { inRoom, missing, type Player, player, roomCount, until } from "../e2e/workerd_test.ts";

const [players = 16, bytes = 100, seconds = 30] = Deno.args.slice(0, 3).map(Number);
const updateFirst = Deno.args[3] === "updateFirst";
if (missing) throw new Error(`no workerd: ${missing}`);
if (!(players >= 2 && bytes >= 3 && seconds > 0) || ![undefined, "updateFirst"].includes(Deno.args[3])) {
  throw new Error("usage: deno run -A bench/room_honest.ts [players] [bytes] [seconds] [updateFirst]");
}

await inRoom("honest", async (roomUrl, output) => {
  const all: (Player & { hz: number; next: number; ended?: string; x: number; heard: number })[] = [];
  for (let n = 0; n < players; n++) {
    all.push({ ...player(roomUrl), hz: n === 0 ? 1 : n === 1 ? 20 : 60, next: 0, x: 0, heard: 0 });
  }
  await until(all, () => all.every((one) => one.peer.state === "connected"), "not all joined", output);
  await until(all, () => all.every((one) => roomCount(one)?.players === players), "no count of all", output);
  const message = new Uint8Array(bytes - 3); // packed: a head of 2 or 3 bytes and the bytes
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const now = performance.now();
    for (const one of all) {
      if (now < one.next || one.ended) continue;
      one.next = Math.max(one.next + 1000 / one.hz, now);
      if (updateFirst) one.host.update();
      for (let event; (event = one.host.poll());) {
        if (event.type === "message") one.heard++;
        else if (event.type === "disconnect") {
          one.ended = `${event.reason} at ${((now - started) / 1000).toFixed(1)} s`;
          console.log(`the ${one.hz} Hz player ${all.indexOf(one)}: ${one.ended}`);
        }
      }
      if (one.peer.state === "connected") {
        one.peer.send(message);
        one.peer.send({ x: one.x++, y: 1 }, { mode: "state" });
      }
      if (!updateFirst) one.host.update();
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  for (const one of all) {
    console.log(`${all.indexOf(one)} (${one.hz} Hz): ${one.ended ?? one.peer.state}, heard ${one.heard} messages`);
  }
  for (const one of all) one.host.close();
});
