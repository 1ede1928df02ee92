/**
 * What clock frames in a packet of their own cost (2026-12-06): when every packet of an update was too full for them,
 * they go after those packets in one of their own, and copies of pieces not yet acked ride in its room, as in any
 * packet. A reliable message of 1,152 bytes every 16 ms update for 10 s (its frame leaves 27 bytes of a packet's room,
 * under the 37 the frames may take), 30 ms one way, seed 3: the sender's bytes and packets, and both sides' `errorMs`.
 * Run it on mod.ts and on a copy with bench/clock_alone_norides.patch (no copies in those packets) to see what the
 * copies cost:
 *
 * `deno run -A bench/clock_alone.ts [path/to/mod.ts]`
 *
 * @module
 */
const path = Deno.args[0] ?? "../mod.ts";
const { Host, memoryNet }: typeof import("../mod.ts") = await import(new URL(path, import.meta.url).href);

for (const loss of [0, 0.05, 0.1, 0.2]) {
  const net = memoryNet({ latencyMs: 30, loss, seed: 3 });
  const server = new Host(net.socket("server"), { now: () => net.now() + 54_321 });
  const client = new Host(net.socket("client"), { now: net.now });
  const peer = client.connect("server");
  let received = 0;
  for (let i = 0; i < 40 + 625; i++) {
    if (i >= 40) peer.send(new Uint8Array(1152));
    client.update(), server.update(), net.advance(16);
    while (client.poll());
    for (let event; (event = server.poll());) if (event.type == "message") received++;
  }
  console.log(
    `${loss * 100}% loss: ${received} of 625 messages, the sender's ${client.stats.bytesSent} bytes in ` +
      `${client.stats.packetsSent} packets, errorMs ${peer.clock.errorMs} (sender), ${
        server.peers[0].clock.errorMs
      } (other)`,
  );
}
