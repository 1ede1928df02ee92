/**
 * What a burst of messages that unpack to many objects costs the Cloudflare room (examples/cloudflare/room.mjs) in
 * workerd: `flooders` players (default 15) each send `messages` (default 600) messages of 16,373 bytes at once, packed
 * from 16,370 empty arrays (`arrays`, the default: about 640 KiB of heap each, unpacked) or from one bin of 16,370 bytes
 * (`bins`: one object each), beside an honest player; workerd's RSS and its peak (VmRSS, VmHWM from /proc) before and
 * after, and who was let go. Needs Linux, the workerd package e2e/workerd_test.ts installs, and no other workerd running
 * (the newest is read).
 *
 * Compare arrays with bins, not the figures alone: most of either is workerd's own, the messages the cut WebSockets
 * send on after their 1008 (each delivered to webSocketMessage as a new ArrayBuffer, and ignored; a Durable Object
 * cannot abort a WebSocket), and it follows how much they send (30 messages a player: about 90 MB; 600 or 2,000: 150).
 *
 *     deno run -A bench/room_memory.ts [flooders] [messages] [arrays|bins]
 *
 * 2026-12-06: arrays about 60 → 220–227 MB while the room held each tick's events until the tick, 149–152 once it
 * handled each message as it arrived; bins 147–154 either way (a review's runs and mine).
 *
 * @module
 */
import { pack } from "../mod.ts";
import { inRoom, missing, player, roomCount, until } from "../e2e/workerd_test.ts";

const [flooders = 15, messages = 600] = Deno.args.slice(0, 2).map(Number);
const kind = Deno.args[2] ?? "arrays";
if (missing) throw new Error(`no workerd: ${missing}`);
if (!(flooders >= 1 && messages >= 1) || !["arrays", "bins"].includes(kind)) {
  throw new Error("usage: deno run -A bench/room_memory.ts [flooders] [messages] [arrays|bins]");
}

/** The newest workerd's resident memory and its peak so far, in MB. */
async function rssMb(): Promise<{ now: number; peak: number }> {
  const { stdout } = await new Deno.Command("pgrep", { args: ["-n", "workerd"], stdout: "piped" }).output();
  const status = await Deno.readTextFile(`/proc/${new TextDecoder().decode(stdout).trim()}/status`);
  const mb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))![1]) / 1024;
  return { now: mb("VmRSS"), peak: mb("VmHWM") };
}

await inRoom("memory", async (roomUrl, output) => {
  const honest = player(roomUrl);
  const floods = Array.from(
    { length: flooders },
    () => player(roomUrl, { packetsPerUpdate: 1024, maxQueuedBytes: 64 << 20 }),
  );
  const all = [honest, ...floods];
  await until(all, () => all.every((one) => roomCount(one)?.players === all.length), "not all joined", output);
  const before = await rssMb();
  const message = kind === "bins" ? new Uint8Array(16_370) : Array.from({ length: 16_370 }, () => []);
  for (const flood of floods) for (let n = 0; n < messages; n++) flood.peer.send(message);
  for (const flood of floods) flood.host.update();
  for (let n = 0; n < 200; n++) {
    for (const { host } of all) {
      host.update();
      while (host.poll());
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const after = await rssMb();
  const letGo = floods.filter((flood) => flood.peer.state !== "connected").length;
  console.log(
    `${flooders} players × ${messages} messages of ${pack(message).length} bytes (${kind}): workerd RSS ` +
      `${before.now.toFixed(0)} → ${after.now.toFixed(0)} MB (peak ${
        after.peak.toFixed(0)
      }); ${letGo} of ${flooders} ` +
      `let go; the honest player ` +
      honest.peer.state,
  );
  for (const one of all) one.host.close();
});
