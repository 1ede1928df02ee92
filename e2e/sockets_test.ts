/**
 * Real sockets on 127.0.0.1, in Deno: two Hosts over denoUdp, two over
 * nodeUdp (node:dgram inside Deno), and a Deno WebSocket server with a Deno
 * client. Each exchanges messages in all four modes and closes cleanly, the
 * other side hearing "closed". Each is bounded by the exchange's 5 s deadline.
 *
 * @module
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { denoUdp, Host, nodeUdp, type Socket, webSocket, webSocketServer } from "../mod.ts";
import { clientHears, exchange, MODES } from "./exchange.mjs";

const expected = { echoed: [...MODES].sort(), bigBytes: 5000, serverHeard: "closed" };

/** A Deno UDP socket on 127.0.0.1 and any free port. */
function denoSocket(): { socket: Socket; address: string } {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  return { socket: denoUdp(conn), address: `127.0.0.1:${(conn.addr as Deno.NetAddr).port}` };
}

/** A node:dgram socket bound on 127.0.0.1 and any free port. */
async function nodeSocket(): Promise<{ socket: Socket; address: string }> {
  const udp = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
  return { socket: nodeUdp(udp), address: `127.0.0.1:${udp.address().port}` };
}

/** Lets a closing socket finish: its close waits for the goodbye packets in flight. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

Deno.test("two Hosts over denoUdp exchange every mode, and a Host.close() is heard as closed", async () => {
  const server = denoSocket();
  const client = denoSocket();
  const result = await exchange(new Host(server.socket), new Host(client.socket), server.address);
  await settle();
  assert.deepEqual({ ...result, clientEvents: undefined }, { ...expected, clientEvents: undefined });
});

Deno.test("two Hosts over nodeUdp (node:dgram in Deno) exchange every mode, and a Host.close() is heard as closed", async () => {
  const server = await nodeSocket();
  const client = await nodeSocket();
  const result = await exchange(new Host(server.socket), new Host(client.socket), server.address);
  await settle();
  assert.deepEqual({ ...result, clientEvents: undefined }, { ...expected, clientEvents: undefined });
});

/** A Deno.serve that hands every WebSocket to a webSocketServer, on 127.0.0.1 and a free port. */
function serveWebSockets() {
  const sockets = webSocketServer();
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request, info) => {
    const { hostname, port } = info.remoteAddr; // read before the upgrade, which closes the request
    const { socket, response } = Deno.upgradeWebSocket(request);
    sockets.accept(socket, `${hostname}:${port}`);
    return response;
  });
  return { sockets, http, url: `ws://127.0.0.1:${http.addr.port}/` };
}

Deno.test("a Deno WebSocket server and client exchange every mode with no acks or resends, and a Host.close() is heard as closed", async () => {
  const { sockets, http, url } = serveWebSockets();
  const socket = webSocket(new WebSocket(url));
  assert.equal(socket.address, url);
  // Both ends say they are ordered and reliable, so their Hosts send no acks and no copies. What follows checks that
  // by counting packets, by a margin of a few: an unreliable client sends 21 to 23 where this one sends 18.
  assert.equal(socket.reliable, true);
  assert.equal(sockets.reliable, true);
  const server = new Host(sockets);
  const client = new Host(socket);
  try {
    const result = await exchange(server, client, socket.address);
    assert.deepEqual({ ...result, clientEvents: undefined }, { ...expected, clientEvents: undefined });
    // Reliable sockets: everything went once, and nothing was sent only to ack.
    assert.equal(client.stats.messagesResent + server.stats.messagesResent, 0);
    assert.ok(client.stats.packetsSent < 20, `the client sent ${client.stats.packetsSent} packets`);
  } finally {
    await http.shutdown();
  }
});

Deno.test("a WebSocket that closes ends its peer with reason closed at once, on both sides", async () => {
  const { sockets, http, url } = serveWebSockets();
  const ws = new WebSocket(url);
  const server = new Host(sockets);
  const client = new Host(webSocket(ws));
  const peer = client.connect(url);
  const heard: string[] = [];
  const deadline = Date.now() + 5000;
  try {
    while (heard.length < 2) {
      assert.ok(Date.now() < deadline, `heard only ${heard}`);
      client.update();
      server.update();
      for (const host of [server, client]) {
        for (let event; (event = host.poll());) {
          if (event.type === "disconnect") heard.push(`${host === server ? "server" : "client"} ${event.reason}`);
        }
      }
      if (peer.state === "connected" && ws.readyState === WebSocket.OPEN) ws.close(); // not the Host: no goodbye
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Both well before the 10 s timeout.
    assert.deepEqual(heard.sort(), ["client closed", "server closed"]);
    assert.equal(server.stats.socketErrors, 0);
  } finally {
    server.close();
    client.close();
    await http.shutdown();
  }
});

for (const when of ["after its server Host closed", "as its server Host closes"]) {
  Deno.test(`a WebSocket upgraded ${when} is closed: its client hears closed at once, not a timeout`, async () => {
    // Deno.serve still upgrading after host.close(): the WebSocket was linked and kept open, and its client connected
    // into silence until its own 10 s timeout. The same when the Host closed between the upgrade and the WebSocket's
    // opening. Deno's upgraded WebSocket is still connecting when accept() gets it, and Deno 2.9.6 ignores a close()
    // until it is open: the adapter closes it again then.
    const sockets = webSocketServer();
    const server = new Host(sockets);
    const closing = when.startsWith("as");
    if (!closing) server.close();
    const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request, info) => {
      const { hostname, port } = info.remoteAddr;
      const { socket, response } = Deno.upgradeWebSocket(request);
      sockets.accept(socket, `${hostname}:${port}`);
      if (closing) server.close();
      return response;
    });
    const url = `ws://127.0.0.1:${http.addr.port}/`;
    try {
      assert.equal(await clientHears(url, { Host, webSocket, WebSocket }), "closed");
    } finally {
      await http.shutdown();
    }
  });
}
