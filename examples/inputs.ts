/**
 * Server-authoritative play in one program, on a simulated network: each player sends only its held keys, every frame,
 * in the `"sequenced"` mode (the latest wins: an old one is never applied after a newer); the server moves everyone by
 * the keys it last got from each and sends the whole world 20 times a second as a `"state"`. The players never say
 * where they are, so none can cheat by it. Run it: `deno run examples/inputs.ts` (no permissions: a `memoryNet` at 30 ms
 * one way and 10% loss, on a virtual clock). Over UDP or a WebSocket the same code runs with another socket: see
 * examples/udp_game.ts and the README's "Use it".
 *
 * @module
 */
import { Host, memoryNet, type Peer } from "../mod.ts";

type Keys = { left: boolean; right: boolean };
type World = { players: Record<string, number>; tick: number };

/** What the server takes as keys from a player: anything else is dropped (a player may send anything). */
const isKeys = (data: unknown): data is Keys =>
  typeof data === "object" && data !== null && typeof (data as Keys).left === "boolean" &&
  typeof (data as Keys).right === "boolean";

const net = memoryNet({ latencyMs: 30, loss: 0.1, seed: 1 });
const server = new Host(net.socket("server"));
const players = ["ann", "bob"].map((name) => {
  const host = new Host(net.socket(name));
  return { name, host, server: host.connect("server"), world: undefined as World | undefined };
});
const names = new Map<Peer, string>(); // the server's players, by their Peer: a name each
const held = new Map<Peer, Keys>(); // the keys each player last sent
const x = new Map<Peer, number>(); // where each player is: the server's alone

for (let frame = 0; frame < 180; frame++) { // 3 s at 60 frames a second
  for (const [i, player] of players.entries()) { // ann holds right, bob holds left
    if (player.server.state === "connected") {
      player.server.send({ left: i === 1, right: i === 0 }, { mode: "sequenced" });
    }
    player.host.update();
  }
  server.update();
  for (let event; (event = server.poll());) {
    // On a memoryNet a socket's address is its name ("ann"); over UDP it is "ip:port", and a game takes a name from
    // the player's first message instead.
    if (event.type === "connect") names.set(event.peer, event.peer.address), x.set(event.peer, 0);
    else if (event.type === "message" && isKeys(event.data)) held.set(event.peer, event.data);
    else if (event.type === "disconnect") names.delete(event.peer), held.delete(event.peer), x.delete(event.peer);
  }
  for (const [peer, keys] of held) x.set(peer, x.get(peer)! + +keys.right - +keys.left); // one unit a frame
  if (frame % 3 === 0) { // the world, 20 times a second
    const world: World = { players: {}, tick: frame / 3 };
    for (const [peer, name] of names) world.players[name] = x.get(peer)!;
    for (const peer of server.peers) peer.send(world, { mode: "state" });
    server.update();
  }
  net.advance(16);
  for (const player of players) {
    for (let event; (event = player.host.poll());) {
      if (event.type === "message" && event.mode === "state") player.world = event.data as World;
    }
  }
}
// Each held its key from the frame it was connected: ann right for 168 of the 180 frames, bob left for 162 (the
// handshake's round trips at 30 ms one way, and its losses, took the rest).
for (const player of players) console.log(`${player.name} sees ${JSON.stringify(player.world?.players)}`);
for (const peer of server.peers) {
  // What 10% loss took: states are sent once and never resent (the next one replaces a lost one), keys the same.
  console.log(`${peer.address}: ${Math.round(peer.stats.loss * 100)}% of the server's packets lost, as its acks tell`);
}
for (const player of players) player.host.close();
server.close();
