// Run by e2e/node_test.ts as `node --test e2e/node/`: the shipped artifact,
// dist/mod.js, in Node 20 with real node:dgram and the ws package, on 127.0.0.1.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import { Host, nodeUdp, webSocket, webSocketServer } from "../../dist/mod.js";
import { acceptingWsServer, clientHears, exchange, MODES } from "../exchange.mjs";

const expected = { echoed: [...MODES].sort(), bigBytes: 5000, serverHeard: "closed" };
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function udpSocket() {
  const udp = dgram.createSocket("udp4");
  await new Promise((resolve) => udp.bind(0, "127.0.0.1", resolve));
  return { socket: nodeUdp(udp), address: `127.0.0.1:${udp.address().port}` };
}

test("two Hosts over nodeUdp exchange every mode, and a Host.close() is heard as closed", async () => {
  const server = await udpSocket();
  const client = await udpSocket();
  const { clientEvents: _, ...result } = await exchange(
    new Host(server.socket),
    new Host(client.socket),
    server.address,
  );
  await settle();
  assert.deepEqual(result, expected);
});

test("a ws server (webSocketServer) and a ws client (webSocket) exchange every mode, and a Host.close() is heard as closed", async () => {
  const sockets = webSocketServer();
  const wss = await acceptingWsServer(WebSocketServer, sockets);
  const socket = webSocket(new WebSocket(`ws://127.0.0.1:${wss.address().port}/`));
  const server = new Host(sockets);
  const client = new Host(socket);
  try {
    const { clientEvents: _, ...result } = await exchange(server, client, socket.address);
    assert.deepEqual(result, expected);
    assert.equal(client.stats.messagesResent + server.stats.messagesResent, 0);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});

test("a ws server whose Host closed closes each WebSocket it accepts: its client hears closed at once, not a timeout", async () => {
  // accept() after host.close() linked the WebSocket and kept it open: its client connected into silence until its
  // own 10 s timeout.
  const sockets = webSocketServer();
  new Host(sockets).close();
  const wss = await acceptingWsServer(WebSocketServer, sockets);
  const url = `ws://127.0.0.1:${wss.address().port}/`;
  try {
    assert.equal(await clientHears(url, { Host, webSocket, WebSocket }), "closed");
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});

test("faults in Node: a malformed address throws at once and leaves no peer; an oversized datagram and a send after close are counted", async () => {
  const { socket } = await udpSocket();
  const host = new Host(socket);
  assert.throws(() => host.connect("nonsense"), /"nonsense"/);
  host.update();
  assert.equal(host.stats.packetsSent, 0);
  socket.send(new Uint8Array(70_000), "127.0.0.1:9");
  for (let i = 0; i < 100 && !host.stats.socketErrors; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(host.stats.socketErrors, 1);
  socket.close();
  socket.send(Uint8Array.of(1), "127.0.0.1:9");
  assert.equal(host.stats.socketErrors, 2);
  host.close();
});
