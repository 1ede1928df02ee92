/**
 * `deno run -A bench/reentrant_send.ts [MODULE]`: a socket that runs the game's code inside `send` (a review of
 * re-entrancy, 2026-12-03; NOTES.md, Security, the Left list). Over a synchronous network (a send delivers at once), two
 * scenarios, each printing whether a peer the game was handed on "connect" is left out of its Host's table:
 *
 * - update: inside A's `update()`, while A sends to B, B restarts at its address and connects again; A's update then
 *   deletes the new connection at "B" from its table, and the peer A was handed stays "connected", with no event.
 * - connect: inside A's `connect("B")`, while its HELLO goes out, B connects to A and gets in; connect() then files
 *   its own connection over that one.
 *
 * Both printed "stuck" until 2026-12-05 (bac3031, the fix; its tests in mod_test.ts, "a socket that runs the game's
 * code inside send"); both print "ok" now. MODULE is another copy of mod.ts to run instead.
 *
 * @module
 */
import type { Host as HostType, HostEvent, Peer, Socket } from "../mod.ts";

const { Host } = await import(
  Deno.args[0] ? new URL(Deno.args[0], `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");

/** A network whose send calls the listener at `to` at once; `hook` runs first, and false drops the datagram. */
function syncNet() {
  let clock = 0;
  const listeners = new Map<string, (data: Uint8Array, from: string) => void>();
  const net = {
    hook: undefined as ((from: string, to: string, data: Uint8Array) => boolean | void) | undefined,
    now: () => clock,
    advance: (ms: number) => void (clock += ms),
    socket: (address: string): Socket => ({
      send(data, to) {
        if (net.hook?.(address, to, data) === false) return;
        listeners.get(to)?.(data.slice(), address);
      },
      listen: (receive) => void listeners.set(address, receive),
      close: () => void listeners.delete(address),
    }),
  };
  return net;
}

/** Runs both Hosts for `ms` of virtual time; returns the peers A was handed on "connect". */
function run(net: ReturnType<typeof syncNet>, hosts: () => HostType[], ms: number, connected: Peer[]): void {
  for (let t = 0; t < ms; t += 16) {
    for (const host of hosts()) {
      host.update();
      for (let event: HostEvent | undefined; (event = host.poll());) {
        if (host === hosts()[0] && event.type === "connect") connected.push(event.peer);
      }
    }
    net.advance(16);
  }
}

const verdict = (name: string, host: HostType, peers: Peer[]) => {
  const lost = peers.filter((peer) => peer.state === "connected" && !host.peers.includes(peer));
  console.log(`${name}: ${lost.length ? "stuck" : "ok"} (${lost.length} connected peer(s) out of A's table)`);
};

{
  const net = syncNet();
  const options = { now: net.now, timeout: 2000 };
  const a = new Host(net.socket("A"), options);
  let b = new Host(net.socket("B"), options);
  const connected: Peer[] = [];
  b.connect("A");
  run(net, () => [a, b], 320, connected);
  let armed = true;
  net.hook = (from, to) => {
    if (!(armed && from == "A" && to == "B")) return;
    armed = false;
    b.close(); // its goodbye reaches A: A's old connection ends
    b = new Host(net.socket("B"), options);
    b.connect("A");
    net.advance(100);
    b.update(); // HELLO, CHALLENGE, HELLO with the cookie: A makes a new connection at "B"
    return false;
  };
  a.peers[0]?.send("x");
  run(net, () => [a, b], 3000, connected);
  verdict("update", a, connected);
}

{
  const net = syncNet();
  const options = { now: net.now, timeout: 2000 };
  const a = new Host(net.socket("A"), options);
  const b = new Host(net.socket("B"), options);
  const connected: Peer[] = [];
  let armed = true;
  net.hook = (from, to, data) => {
    if (!(armed && from == "A" && to == "B" && data[0] == 1)) return; // A's first HELLO to B
    armed = false;
    b.connect("A");
    net.advance(100);
    b.update(); // A makes a connection at "B", connected, before its own connect() files one there
  };
  a.connect("B");
  run(net, () => [a, b], 3000, connected);
  verdict("connect", a, connected);
}
