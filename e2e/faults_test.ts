/**
 * Socket faults on real sockets (127.0.0.1): each is counted or ends a
 * connection, none throws out of a Host; a malformed address throws at once.
 *
 * Linux tells an unconnected UDP socket nothing about an unreachable port
 * (the ICMP error reaches only connected sockets, or those with IP_RECVERR,
 * which neither Deno nor Node sets), so that connection ends in "timeout".
 *
 * @module
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { denoUdp, Host, type HostEvent, nodeUdp, type Socket, webSocket, webSocketServer } from "../mod.ts";

/** A jamnet socket, its address, and the runtime's own socket under it. */
type Bound = { socket: Socket; address: string; runtime: { close(): unknown } };

const adapters: [string, () => Promise<Bound>][] = [
  ["denoUdp", () => {
    const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const address = `127.0.0.1:${(conn.addr as Deno.NetAddr).port}`;
    return Promise.resolve({ socket: denoUdp(conn), address, runtime: conn });
  }],
  ["nodeUdp", async () => {
    const udp = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    return { socket: nodeUdp(udp), address: `127.0.0.1:${udp.address().port}`, runtime: udp };
  }],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on: bound, then freed. */
function freedPort(): number {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (conn.addr as Deno.NetAddr).port;
  conn.close();
  return port;
}

/** Updates the Hosts every 5 ms until `done` says so, for at most 3 s. */
async function run(hosts: Host[], done: (events: HostEvent[]) => boolean): Promise<HostEvent[]> {
  const events: HostEvent[] = [];
  for (const deadline = Date.now() + 3000; !done(events);) {
    assert.ok(Date.now() < deadline, `gave up waiting; events: ${events.map((event) => event.type)}`);
    for (const host of hosts) {
      host.update();
      for (let event; (event = host.poll());) events.push(event);
    }
    await sleep(5);
  }
  return events;
}

for (const [name, open] of adapters) {
  Deno.test(`${name}: connecting to an unreachable port never throws and ends in timeout`, async () => {
    const { socket } = await open();
    const host = new Host(socket, { timeout: 300 });
    host.connect(`127.0.0.1:${freedPort()}`);
    const events = await run([host], (events) => events.length > 0);
    assert.deepEqual(events.map((event) => event.type === "disconnect" && event.reason), ["timeout"]);
    host.close();
    await sleep(20);
  });

  Deno.test(`${name}: an oversized datagram is counted in socketErrors, never thrown`, async () => {
    const { socket } = await open();
    const host = new Host(socket);
    socket.send(new Uint8Array(70_000), `127.0.0.1:${freedPort()}`); // over UDP's 65,507
    for (let i = 0; i < 100 && !host.stats.socketErrors; i++) await sleep(5);
    assert.equal(host.stats.socketErrors, 1);
    host.close();
    await sleep(20);
  });

  Deno.test(`${name}: a send after the socket closed is counted on the peer, never thrown`, async () => {
    const server = await open();
    const client = await open();
    const serverHost = new Host(server.socket);
    const clientHost = new Host(client.socket);
    const peer = clientHost.connect(server.address);
    await run([serverHost, clientHost], () => peer.state === "connected");
    client.socket.close(); // under the Host's feet
    peer.send("after close");
    clientHost.update();
    assert.equal(peer.stats.socketErrors, 1);
    assert.equal(clientHost.stats.socketErrors, 1);
    serverHost.close();
    clientHost.close();
    await sleep(20);
  });

  Deno.test(`${name}: connect() with a malformed address throws at once, naming it, and leaves no peer`, async () => {
    const { socket } = await open();
    const host = new Host(socket);
    // A name too: the answers come from its IP, a peer the Host does not know ("localhost:7000" timed out, silently).
    const malformed = [
      "nonsense",
      "127.0.0.1",
      "127.0.0.1:0",
      "127.0.0.1:65536",
      "::1:4000",
      "[::1]",
      "",
      "localhost:4000",
    ];
    for (const address of [...malformed, "example.com:4000"]) {
      assert.throws(() => host.connect(address), (error: Error) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, new RegExp(`"${address.replace(/[[\].]/g, "\\$&")}"`));
        return true;
      });
    }
    for (let i = 0; i < 3; i++) host.update(); // nothing left behind to send to
    assert.equal(host.stats.packetsSent, 0);
    assert.equal(host.stats.socketErrors, 0);
    host.connect(`127.0.0.1:${freedPort()}`); // a well-formed one still goes out
    assert.equal(host.stats.packetsSent, 1);
    host.close();
    await sleep(20);
  });
}

Deno.test("denoUdp: the game closing its conn too, before or after its Host's close() with a peer connected, throws nothing", async () => {
  // host.close() closes the socket once its goodbyes' sends have settled. A game that closed the conn itself too,
  // tidying up, made that late close throw BadResource in the send's promise callback: an uncaught rejection, which
  // ended the process (a review, 2026-12-03). The test runner fails a test that leaves one. (Node's dgram drops the
  // callbacks of sends pending at close, so nodeUdp never reached that close; NOTES.md, Security, the Left list.)
  for (const order of ["after", "before"]) {
    const [server, client] = [await adapters[0][1](), await adapters[0][1]()];
    const serverHost = new Host(server.socket);
    const clientHost = new Host(client.socket);
    const peer = clientHost.connect(server.address);
    await run([serverHost, clientHost], () => peer.state === "connected");
    if (order === "before") client.runtime.close();
    clientHost.close();
    if (order === "after") client.runtime.close();
    await sleep(100); // the goodbyes' sends settle
    serverHost.close();
    await sleep(20);
  }
});

Deno.test("a send on a WebSocket that closed is counted, never thrown", async () => {
  const sockets = webSocketServer();
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    sockets.accept(socket);
    return response;
  });
  const ws = new WebSocket(`ws://127.0.0.1:${http.addr.port}`);
  const socket = webSocket(ws);
  const server = new Host(sockets);
  const client = new Host(socket);
  const peer = client.connect(socket.address);
  await run([server, client], () => peer.state === "connected");
  ws.close();
  socket.send(Uint8Array.of(1), socket.address); // CLOSING: counted at once
  while (ws.readyState !== WebSocket.CLOSED) await sleep(5);
  socket.send(Uint8Array.of(1), socket.address);
  assert.equal(client.stats.socketErrors, 2);
  assert.throws(() => socket.send(Uint8Array.of(1), "ws://elsewhere/"), /"ws:\/\/elsewhere\/"/);
  server.close();
  client.close();
  await http.shutdown();
});
