/**
 * What a burst of messages that unpack to many objects costs the Cloudflare room (examples/cloudflare/room.mjs) in
 * workerd: `flooders` players (default 15) each send `messages` (default 600) messages of 16,373 bytes at once, packed
 * from 16,370 empty arrays (`arrays`, the default: about 640 KiB of heap each, unpacked) or from one bin of 16,370 bytes
 * (`bins`: one object each), beside an honest player; workerd's RSS (from /proc) before and after, and who was let go.
 * Needs Linux, and the workerd package e2e/workerd_test.ts installs.
 *
 *     deno run -A bench/room_memory.ts [flooders] [messages] [arrays|bins]
 *
 * 2026-12-06: arrays about 60 → 220–223 MB while the room held each tick's events until the tick (twice), 151 MB once
 * it handled each message as it arrived (twice); bins 147 MB.
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

/** The newest workerd's resident memory, in MB. */
async function rssMb(): Promise<number> {
  const { stdout } = await new Deno.Command("pgrep", { args: ["-n", "workerd"], stdout: "piped" }).output();
  const status = await Deno.readTextFile(`/proc/${new TextDecoder().decode(stdout).trim()}/status`);
  return Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024;
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
      `${before.toFixed(0)} → ${after.toFixed(0)} MB; ${letGo} of ${flooders} let go; the honest player ` +
      honest.peer.state,
  );
  for (const one of all) one.host.close();
});
