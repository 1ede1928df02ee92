/**
 * The lobby's programs over real sockets on 127.0.0.1: server.ts with UDP and
 * WebSocket players, client.ts as a new user runs it. Bounded: each test
 * gives up after a few seconds.
 */
import assert from "node:assert/strict";
import { Host, webSocket } from "../../mod.ts";
import { runClient } from "./client.ts";
import { LobbyClient, type Room } from "./lobby.ts";
import { startLobbyServer } from "./server.ts";
import { udpSocket } from "./udp.ts";

const DEADLINE_MS = 8000;

Deno.test("lobby server: a WebSocket player and a UDP player meet in one room of one directory and relay both ways", async () => {
  const server = await startLobbyServer({ port: 0, tickMs: 5 });
  const udp = await udpSocket();
  const ws = webSocket(new WebSocket(server.webSocketUrl));
  const hosts = [new Host(udp), new Host(ws)];
  const [udpPlayer, wsPlayer] = [
    new LobbyClient(hosts[0].connect(server.udpAddress)),
    new LobbyClient(hosts[1].connect(ws.address)),
  ];
  const deadline = performance.now() + DEADLINE_MS;
  const timer = setInterval(() => {
    for (const [i, host] of hosts.entries()) {
      host.update();
      for (let event; (event = host.poll());) [udpPlayer, wsPlayer][i].handle(event);
    }
  }, 5);
  const waitFor = async (done: () => boolean) => {
    while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  try {
    const { room } = await wsPlayer.request({ op: "create", name: "mixed", maxPlayers: 2 }) as { room: Room };
    const { rooms } = await udpPlayer.request({ op: "list" }) as { rooms: { id: string }[] };
    assert.deepEqual(rooms.map((listed) => listed.id), [room.id]);
    const joined = await udpPlayer.request({ op: "join", room: room.id }) as { room: Room };
    assert.equal(joined.room.members.length, 2);
    wsPlayer.peer.send({ op: "relay", data: "from the browser" });
    udpPlayer.peer.send({ op: "relay", data: new Uint8Array([1, 2, 3]), mode: "unordered" });
    const relayed = (client: LobbyClient) => client.notices.find((notice) => notice.op === "relay");
    await waitFor(() => !!relayed(udpPlayer) && !!relayed(wsPlayer));
    assert.deepEqual(relayed(udpPlayer), { op: "relay", from: room.host, data: "from the browser" });
    assert.deepEqual(relayed(wsPlayer), {
      op: "relay",
      from: joined.room.members[1].id,
      data: new Uint8Array([1, 2, 3]),
    });
    assert.equal(server.lobby.clients, 2);
  } finally {
    clearInterval(timer);
    for (const host of hosts) host.close();
    await server.close();
  }
});

Deno.test("lobby example: each player hears the other's hello, the last line after the host left says so, the server logs each step", async () => {
  const serverLines: string[] = [];
  const server = await startLobbyServer({ port: 0, tickMs: 5, log: (line) => serverLines.push(line) });
  try {
    const lines = { ann: [] as string[], bob: [] as string[] };
    // ann creates the room and leaves after 1.5 s; bob joins it over WebSocket once it exists.
    const ann = runClient({
      lobby: server.udpAddress,
      name: "ann",
      stayMs: 1500,
      print: (line) => lines.ann.push(line),
    });
    const deadline = performance.now() + DEADLINE_MS;
    while (!serverLines.length && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const bob = runClient({
      lobby: server.webSocketUrl,
      name: "bob",
      stayMs: DEADLINE_MS,
      print: (line) => lines.bob.push(line),
    });
    assert.deepEqual(await Promise.all([ann, bob]), [0, 0]);
    const text = JSON.stringify(lines, null, 1);
    assert.ok(lines.ann.some((line) => /^ann hears from \w+: "hello from bob"$/.test(line)), text);
    assert.ok(lines.bob.some((line) => /^bob hears from \w+: "hello from ann"$/.test(line)), text);
    assert.ok(lines.bob.includes("bob hears: the room closed (its host left)"), text);
    assert.equal(lines.bob.at(-1), "bob left: the room had closed");
    assert.ok(!lines.bob.some((line) => /Not in a room/.test(line)), text);
    assert.match(lines.ann.at(-1)!, /^ann left room \w+$/);
    assert.equal(serverLines.length, 3, serverLines.join("\n"));
    assert.match(serverLines[0], /^room \w+ "ann's room" created by \w+ \(127\.0\.0\.1:\d+\): 1\/4$/);
    assert.match(serverLines[1], /^\w+ \(127\.0\.0\.1:\d+\) joined room \w+: 2\/4$/);
    assert.match(serverLines[2], /^room \w+ closed: its host \w+ \(127\.0\.0\.1:\d+\) left$/);
  } finally {
    await server.close();
  }
});

Deno.test("lobby server: a WebSocket that never does jamnet's handshake is closed after handshakeWaitMs, one that did stays", async () => {
  // Before, it stayed open for good, however many one address opened (a review, 2026-12-03).
  const server = await startLobbyServer({ port: 0, tickMs: 5, handshakeWaitMs: 300 });
  // A player that does the handshake, opened with the silent one: it must outlive handshakeWaitMs.
  const ws = webSocket(new WebSocket(server.webSocketUrl));
  const host = new Host(ws);
  const player = host.connect(ws.address);
  const pump = setInterval(() => {
    host.update();
    while (host.poll());
  }, 5);
  try {
    const opened = performance.now();
    const silent = new WebSocket(server.webSocketUrl);
    const closed = new Promise((resolve) => silent.addEventListener("close", resolve));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise((resolve) => timer = setTimeout(() => resolve("still open"), DEADLINE_MS));
    assert.notEqual(await Promise.race([closed, gaveUp]), "still open");
    clearTimeout(timer);
    assert.ok(performance.now() - opened >= 250, `closed after ${performance.now() - opened} ms, not 300`);
    // Twice handshakeWaitMs after both opened, the player that did the handshake is connected still.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, opened + 600 - performance.now())));
    assert.equal(player.state, "connected");
    assert.equal(server.lobby.clients, 1);
  } finally {
    clearInterval(pump);
    host.close();
    await server.close();
  }
});

Deno.test("lobby client with no lobby to reach prints 'no lobby at …' and exits 1 within seconds, no stack trace", async () => {
  // A port just freed: nothing listens there.
  const socket = await udpSocket();
  const address = socket.address;
  socket.close();
  const started = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./client.ts", import.meta.url).pathname, address, "zed"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 1, output);
  assert.equal(output, `no lobby at ${address}\n`);
  // 2 s of waiting for the handshake, and the start of a Deno process.
  assert.ok(performance.now() - started < 6000, `took ${performance.now() - started} ms`);
});
