/**
 * `deno run -A bench/options_mismatch.ts [MODULE]`: a server whose `maxQueuedBytes` is larger than its client's sends
 * N messages of 1 MiB at once, one on each of N channels, over memoryNet (20 ms one way); the client keeps the
 * defaults (4 MiB). Prints, for each case, how many arrived and how the run ended: every message, or the client's
 * `"disconnect"` and its reason. A receiver holds the pieces of messages not yet whole up to 2 × maxMessageBytes +
 * maxQueuedBytes + 256 KiB (its own options) and refuses packets past that; a sender with the same options never
 * passes it. MODULE is a path to mod.ts or a copy of it (default ../mod.ts). The clock is virtual: a run gives the
 * same result every time.
 *
 * @module
 */
const modulePath = Deno.args[0] ?? new URL("../mod.ts", import.meta.url).pathname;
const { Host, memoryNet } = await import(new URL(modulePath, `file://${Deno.cwd()}/`).href);
const cases: [senderQueueMiB: number, messages: number, loss: number][] = [
  [4, 3, 0],
  [8, 5, 0],
  [8, 6, 0],
  [16, 8, 0],
  [16, 8, 0.05],
];
console.log(
  "| server's maxQueuedBytes | messages of 1 MiB at once | loss | arrived | how it ended |\n|--:|--:|--:|--:|---|",
);
for (const [senderQueueMiB, messages, loss] of cases) {
  const net = memoryNet({ latencyMs: 20, loss, seed: 1 });
  const server = new Host(net.socket("server"), { maxQueuedBytes: senderQueueMiB << 20 });
  const client = new Host(net.socket("client"));
  client.connect("server");
  let serverPeer: { send(value: unknown, options: { channel: number }): boolean; state: string } | undefined;
  let arrived = 0, sent = 0, ended = "";
  for (let tick = 0; tick < 2000 && !ended; tick++) {
    if (serverPeer?.state === "connected" && !sent) {
      for (let channel = 0; channel < messages; channel++) {
        serverPeer.send(new Uint8Array(1 << 20), { channel }), sent++;
      }
    }
    client.update();
    server.update();
    net.advance(16);
    for (let event; (event = server.poll());) if (event.type === "connect") serverPeer = event.peer;
    for (let event; (event = client.poll());) {
      if (event.type === "message" && ++arrived == sent) ended = `all, ${tick * 16} ms after the start`;
      if (event.type === "disconnect") ended = `"${event.reason}", ${tick * 16} ms after the start`;
    }
  }
  console.log(`| ${senderQueueMiB} MiB | ${messages} | ${loss * 100}% | ${arrived} | ${ended || "still waiting"} |`);
}
