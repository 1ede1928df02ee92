// A stranger's ghosts against a server under Bun (a helper's measure, 2026-12-05; NOTES.md, "Bun's ICMP fault, used by a
// stranger"). Bun turns IP_RECVERR on for its UDP sockets, so an ICMP "port unreachable" fails the socket's next send,
// whoever it goes to. A stranger completes GHOSTS handshakes and closes each socket without a goodbye
// (bench/bun_ghosts_attacker.mjs, a child process): the server keeps them as peers until they time out and sends them
// keepalives, each bounces, and each bounce fails the next send of that update, often the genuine player's. A jamnet
// server and one genuine client on 127.0.0.1 in this process (Bun: both on bunUdp; Node: both on nodeUdp, the control)
// exchange one reliable message each way every 16 ms tick for DURATION_MS. Prints one JSON line: the player's sends
// lost, the messages' latency each way, the kernel's ICMP and UDP counters. Needs Bun from e2e/bun
// (`cd e2e/bun && npm install`). Usage, from the repository's root:
//   e2e/bun/node_modules/.bin/bun bench/bun_ghosts.mjs LIB GHOSTS [DURATION_MS]
//   node bench/bun_ghosts.mjs LIB GHOSTS [DURATION_MS]
// LIB: a path to a bundle, e.g. $PWD/dist/mod.js, or one of mod.ts with bench/bun_icmp.patch applied.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import dgram from "node:dgram";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [lib, rate, duration = 20000] = [process.argv[2], +process.argv[3], +(process.argv[4] ?? 20000)];
const { Host, bunUdp, nodeUdp } = await import(pathToFileURL(resolve(lib)).href);
const isBun = typeof Bun != "undefined";
const BUN = new URL("../e2e/bun/node_modules/.bin/bun", import.meta.url).pathname;
const ATTACKER = new URL("./bun_ghosts_attacker.mjs", import.meta.url).pathname;

const open = async () => {
  if (isBun) return await bunUdp(Bun.udpSocket, { hostname: "127.0.0.1" });
  const udp = dgram.createSocket("udp4");
  await new Promise((r) => udp.bind(0, "127.0.0.1", r));
  const s = nodeUdp(udp);
  return Object.assign(s, { address: `127.0.0.1:${udp.address().port}` });
};
const snmp = () => {
  const lines = readFileSync("/proc/net/snmp", "utf8").split("\n");
  const get = (proto, field) => {
    const [h, v] = lines.filter((l) => l.startsWith(proto + ":"));
    return +v.split(/\s+/)[h.split(/\s+/).indexOf(field)];
  };
  return {
    icmpOutDestUnreach: get("Icmp", "OutDestUnreachs"),
    udpNoPorts: get("Udp", "NoPorts"),
    udpSndbufErrors: get("Udp", "SndbufErrors"),
    udpRcvbufErrors: get("Udp", "RcvbufErrors"),
  };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))] : null);
const summary = (lat) => {
  const a = [...lat].sort((x, y) => x - y);
  return {
    n: a.length,
    p50: +pct(a, 50)?.toFixed(1),
    p99: +pct(a, 99)?.toFixed(1),
    max: +(a.at(-1) ?? NaN).toFixed(1),
  };
};

const serverSocket = await open();
const server = new Host(serverSocket);
const clientSocket = await open();
const client = new Host(clientSocket);
const client_address = () => clientSocket.address;
const serverPort = serverSocket.address.split(":")[1];
const N = rate;
const attacker = N > 0
  ? spawn(BUN, [ATTACKER, "127.0.0.1", serverPort, String(N), String(duration + 2000)], {
    stdio: ["ignore", "pipe", "inherit"],
  })
  : undefined;
let attackOut = "";
attacker?.stdout.on("data", (d) => (attackOut += d));
// Drive the server until the ghosts are in (the game polls and ignores them).
while (attacker && !attackOut.includes("ready")) {
  server.update();
  while (server.poll());
  await sleep(5);
}
const toServer = client.connect(serverSocket.address);
let player; // the server's peer of the client
const events = [];
const lat = { c2s: [], s2c: [] };
const sent = { c2s: 0, s2c: 0 };
const t0 = performance.now();
const tick = () => {
  client.update();
  server.update();
  for (let e; (e = server.poll());) {
    if (e.type == "connect" && e.peer.address == client_address()) player ??= e.peer;
    else if (e.type == "message") lat.c2s.push(performance.now() - e.data.t);
    else if (e.type == "disconnect" && e.peer == player) {
      events.push({ side: "server", reason: e.reason, atMs: Math.round(performance.now() - t0) });
    }
  }
  for (let e; (e = client.poll());) {
    if (e.type == "message") lat.s2c.push(performance.now() - e.data.t);
    else if (e.type == "disconnect") {
      events.push({ side: "client", reason: e.reason, atMs: Math.round(performance.now() - t0) });
    }
  }
};
for (let i = 0; i < 200 && !(toServer.state == "connected" && player); i++) tick(), await sleep(5);
if (!player) throw new Error("no connection");
const before = snmp();
const start = performance.now();
let seq = 0;
let worstTickGapMs = 0, last = performance.now();
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const now = performance.now();
    worstTickGapMs = Math.max(worstTickGapMs, now - last);
    last = now;
    if (toServer.state == "connected") toServer.send({ t: performance.now(), i: seq }), sent.c2s++;
    if (player.state == "connected") player.send({ t: performance.now(), i: seq }), sent.s2c++;
    seq++;
    tick();
    if (now - start >= duration) clearInterval(timer), resolve();
  }, 16);
});
const end = performance.now();
attacker?.kill();
const after = snmp();
const ps = player.stats, cs = toServer.stats;
console.log(JSON.stringify({
  runtime: isBun ? `bun ${Bun.version}` : `node ${process.version}`,
  lib: lib.replace(/.*\//, ""),
  attack: "ghosts",
  rate,
  seconds: +((end - start) / 1000).toFixed(2),
  clientState: toServer.state,
  serverPeerState: player.state,
  events,
  serverSocketErrors: server.stats.socketErrors,
  playerSocketErrors: ps.socketErrors,
  lostServerToClient: ps.packetsSent - cs.packetsReceived,
  lostClientToServer: cs.packetsSent - ps.packetsReceived,
  packets: {
    serverToClientSent: ps.packetsSent,
    clientReceived: cs.packetsReceived,
    clientToServerSent: cs.packetsSent,
    serverReceived: ps.packetsReceived,
  },
  resent: { byServer: ps.messagesResent, byClient: cs.messagesResent },
  messages: { c2sSent: sent.c2s, c2sGot: lat.c2s.length, s2cSent: sent.s2c, s2cGot: lat.s2c.length },
  latencyMs: { c2s: summary(lat.c2s), s2c: summary(lat.s2c) },
  worstTickGapMs: +worstTickGapMs.toFixed(1),
  kernel: Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]])),
  serverHost: {
    packetsSent: server.stats.packetsSent,
    packetsReceived: server.stats.packetsReceived,
    invalidDropped: server.stats.invalidDropped,
  },
  attacker: attackOut.trim().split("\n").at(-1),
  serverPeers: server.peers.length,
}));
process.exit(0);
