// deno run -A bench/spectator_cpu.ts [rounds]: server CPU per 20 Hz tick vs spectators (16,64,200) and world (64, 500 entities),
// "state" mode, memoryNet 30 ms one way, every Host updating every 16 ms, state sent every 3rd update.
// mode obj: peer.send(world) per peer (the README's loop); bytes: peer.send(pack(world)) once per tick.
import { Host, memoryNet, pack, type Socket } from "../mod.ts";
import { makeWorld } from "./spectator_world.ts";
const ROUNDS = Number(Deno.args[0] ?? 3);
const med = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1];
function round(N: number, E: number, how: "obj" | "bytes" | "full", seed: number) {
  const net = memoryNet({ latencyMs: 30, seed });
  let receiving = 0;
  const inner = net.socket("server");
  const socket: Socket = {
    send: (d, to) => inner.send(d, to),
    listen: (r) =>
      inner.listen((d, f) => {
        const t = performance.now();
        r(d, f);
        receiving += performance.now() - t;
      }),
    close: () => inner.close(),
  };
  const server = new Host(socket, { now: net.now, maxPeers: N + 8 });
  const clients = Array.from({ length: N }, (_, i) => new Host(net.socket(`10.0.${i >> 8}.${i & 255}:5000`)));
  for (const c of clients) c.connect("server");
  const w = makeWorld(E, seed);
  const fullSize = pack(w.world).length;
  let sendT = 0, updT = 0, recvT = 0;
  const perTick: number[] = [], sendPer: number[] = [], updPer: number[] = [], recvPer: number[] = [];
  let bytes0 = 0, states = 0;
  const SETTLE = 2000, MEAS = 3000;
  for (let f = 0; net.now() < SETTLE + MEAS; f++) {
    const timed = net.now() >= SETTLE;
    if (timed && !bytes0) bytes0 = server.stats.bytesSent;
    const r0 = receiving;
    let t = performance.now();
    if (f % 3 === 0) {
      w.step();
      if (how === "obj") { for (const p of server.peers) p.send(w.world, { mode: "state" }); }
      else if (how === "bytes") {
        const b = pack(w.world);
        for (const p of server.peers) p.send(b, { mode: "state" });
      } else {
        const b = pack(w.world);
        for (const p of server.peers) p.send(b, { mode: "unordered" });
      }
    }
    const s = performance.now() - t;
    t = performance.now();
    server.update();
    while (server.poll());
    const u = performance.now() - t;
    for (const c of clients) c.update();
    net.advance(16);
    for (const c of clients) for (let e; (e = c.poll());) if (timed && e.type === "message") states++;
    if (timed) {
      sendT += s;
      updT += u;
      recvT += receiving - r0;
      if (f % 3 === 2) {
        perTick.push(sendT + updT + recvT);
        sendPer.push(sendT);
        updPer.push(updT);
        recvPer.push(recvT);
        sendT = updT = recvT = 0;
      }
    }
  }
  const bps = (server.stats.bytesSent - bytes0) / N / (MEAS / 1000);
  const conn = server.peers.length;
  for (const c of clients) c.close();
  server.close();
  return {
    tick: med(perTick),
    send: med(sendPer),
    upd: med(updPer),
    recv: med(recvPer),
    bps,
    fullSize,
    conn,
    states: states / N / (MEAS / 1000),
  };
}
for (const how of ["obj", "bytes", "full"] as const) {
  for (const E of [64, 500]) {
    for (const N of [16, 64, 200]) {
      if (how === "full" && N > 64) continue;
      round(N, E, how, 99); // warm-up
      const rs = Array.from({ length: ROUNDS }, (_, i) => round(N, E, how, i + 1));
      const m = (k: keyof typeof rs[0]) => med(rs.map((r) => r[k] as number));
      console.log(
        `${how.padEnd(5)} E=${E} (${rs[0].fullSize} B) N=${N} conn=${rs[0].conn}: tick ${
          m("tick").toFixed(2)
        } ms (send ${m("send").toFixed(2)}, update ${m("upd").toFixed(2)}, recv ${m("recv").toFixed(2)}) = ${
          (1000 * m("tick") / N).toFixed(1)
        } us/spectator/tick; ${(m("bps") / 1024).toFixed(1)} KB/s per spectator (full pack x20 = ${
          (rs[0].fullSize * 20 / 1024).toFixed(1)
        }); states/s delivered ${m("states").toFixed(1)}`,
      );
    }
  }
}
