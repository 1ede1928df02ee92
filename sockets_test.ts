/**
 * What a Host does with what sockets tell it, on memoryNet's virtual clock:
 * the socket's clock, reliable sockets, notify's events, sends that throw.
 * Real sockets are tested in e2e/.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  bunUdp,
  type BunUdpOpen,
  type CallbackWebSocket,
  condition,
  type DenoDatagramConn,
  denoUdp,
  Host,
  type HostEvent,
  memoryNet,
  type NodeDgramSocket,
  nodeUdp,
  type Socket,
  type SocketEvent,
  webSocket,
  type WebSocketLike,
  webSocketServer,
} from "./mod.ts";
import { fakeTimers } from "./test_tools.ts";

/** Runs `frames` of 16 ms: both Hosts update, the network moves on; returns every event, tagged by Host. */
function frames(net: { advance(ms: number): void }, hosts: Host[], count: number): [number, HostEvent][] {
  const events: [number, HostEvent][] = [];
  for (let frame = 0; frame < count; frame++) {
    hosts.forEach((host, index) => {
      host.update();
      for (let event; (event = host.poll());) events.push([index, event]);
    });
    net.advance(16);
  }
  return events;
}

/** A socket that also remembers the notify its Host gave it. */
function observed(socket: Socket): Socket & { notify(event: SocketEvent): void } {
  let notify: (event: SocketEvent) => void = () => {};
  return {
    send: (data, to) => socket.send(data, to),
    listen(receive, onEvent) {
      notify = onEvent!;
      socket.listen(receive, onEvent);
    },
    close: () => socket.close(),
    now: socket.now,
    notify: (event) => notify(event),
  };
}

Deno.test("Hosts on a memoryNet need no now option: the socket carries the network's clock", () => {
  const net = memoryNet({ latencyMs: 20 });
  const server = new Host(net.socket("server"));
  const client = new Host(net.socket("client"));
  const peer = client.connect("server");
  frames(net, [server, client], 10);
  assert.equal(peer.state, "connected");
  // Virtual time alone times the server out: 11 s of it pass in a few ms of real time.
  const events = frames(net, [client], 11_000 / 16);
  assert.deepEqual(events.map(([, event]) => event.type === "disconnect" && event.reason), ["timeout"]);
  const socket = net.socket("other");
  assert.equal(condition(socket, {}).now, socket.now);
});

Deno.test("on a reliable socket the Host sends no acks, resends or extra copies, and still delivers every mode", () => {
  const packetsSent = (reliable: boolean) => {
    const net = memoryNet({ latencyMs: 30 });
    const server = new Host({ ...net.socket("server"), reliable });
    const client = new Host({ ...net.socket("client"), reliable });
    const peer = client.connect("server");
    frames(net, [server, client], 10);
    peer.send(new Uint8Array(5000), { channel: 7 }); // in fragments
    peer.send("newest", { mode: "sequenced" });
    peer.send("once", { mode: "unreliable" });
    // 300-byte messages, 5 a frame: two packets a frame, the second with room for copies of earlier ones.
    const filler = "x".repeat(300);
    const events: [number, HostEvent][] = [];
    for (let i = 0; i < 300; i += 5) {
      for (let j = i; j < i + 5; j++) {
        peer.send([j, filler], { mode: j % 2 ? "reliable" : "unordered", channel: j % 3 });
      }
      events.push(...frames(net, [server, client], 1));
    }
    events.push(...frames(net, [server, client], 20));
    const data = events.filter(([host, event]) => host === 0 && event.type === "message").map(([, event]) =>
      event.type === "message" && event.data
    );
    assert.equal(data.length, 303);
    for (let channel = 0; channel < 3; channel++) {
      const numbers = data.flatMap((value) => Array.isArray(value) && value[0] % 3 === channel ? [value[0]] : []);
      const ordered = numbers.filter((number) => number % 2);
      assert.deepEqual(ordered, [...ordered].sort((a, b) => a - b));
    }
    assert.ok(data.includes("newest") && data.includes("once"));
    return [server.stats.packetsSent, peer.stats.messagesResent];
  };
  // The server only receives: over a reliable socket it sends its handshake answer and a keepalive;
  // over an unreliable one, acks too, and the client sends early pieces twice (20% loss assumed).
  const [reliablePackets, reliableCopies] = packetsSent(true);
  const [packets, copies] = packetsSent(false);
  assert.ok(reliablePackets <= 3, `the server sent ${reliablePackets} packets`);
  assert.equal(reliableCopies, 0);
  assert.ok(packets > 5, `the server sent ${packets} packets`);
  assert.ok(copies > 0);
});

Deno.test("a socket's closed event ends that peer with reason closed at once; others stay", () => {
  const net = memoryNet();
  const serverSocket = observed(net.socket("server"));
  const server = new Host(serverSocket);
  const a = new Host(net.socket("a"));
  const b = new Host(net.socket("b"));
  a.connect("server");
  b.connect("server");
  frames(net, [server, a, b], 5);
  assert.equal(server.peers.length, 2);
  serverSocket.notify({ type: "closed", address: "a" });
  assert.deepEqual(server.peers.map((peer) => peer.address), ["b"]);
  const event = server.poll();
  assert.equal(event?.type === "disconnect" && `${event.peer.address} ${event.reason}`, "a closed");
  serverSocket.notify({ type: "closed", address: "nobody" }); // no such peer: nothing happens
  assert.equal(server.poll(), undefined);
});

Deno.test("socket faults reported by notify are counted on the Host and on the peer they name", () => {
  const net = memoryNet();
  const socket = observed(net.socket("client"));
  const client = new Host(socket);
  new Host(net.socket("server"));
  const peer = client.connect("server");
  socket.notify({ type: "error", address: "server", error: new Error("ECONNREFUSED") });
  socket.notify({ type: "error", error: new Error("somewhere") });
  assert.equal(peer.stats.socketErrors, 1);
  assert.equal(client.stats.socketErrors, 2);
});

Deno.test("a socket send that throws inside update() is counted and never escapes; connect() rethrows it and keeps no peer", () => {
  const net = memoryNet();
  const inner = net.socket("client");
  let failing = false;
  const socket: Socket = {
    ...inner,
    send(data, to) {
      if (to === "nonsense") throw new RangeError(`Cannot send to "${to}"`);
      if (failing) throw new Error("the socket broke");
      inner.send(data, to);
    },
  };
  const server = new Host(net.socket("server"));
  const client = new Host(socket);
  assert.throws(() => client.connect("nonsense"), /"nonsense"/);
  const peer = client.connect("server");
  frames(net, [server, client], 5);
  assert.equal(peer.state, "connected");
  const sentBefore = client.stats.packetsSent;
  failing = true;
  peer.send("lost");
  frames(net, [server, client], 5);
  assert.ok(client.stats.socketErrors >= 1);
  assert.equal(peer.stats.socketErrors, client.stats.socketErrors); // nothing went to "nonsense"
  assert.equal(client.stats.packetsSent, sentBefore, "a send the socket threw on is not counted as sent");
});

/** One end of an in-memory WebSocket: it keeps its listeners, so a test can fire their events. */
interface FakeWebSocket extends WebSocketLike {
  fire(type: "open" | "message" | "close" | "error", event?: unknown): void;
}

/**
 * A client WebSocket and the server's end of it, open, on a virtual clock: what one end sends
 * arrives at the other on `advance()`. The server end is an event-listening WebSocket, or with
 * `callback` one whose runtime calls back (its messages go to `sockets.message`).
 */
function webSocketPair(sockets: ReturnType<typeof webSocketServer>, callback: boolean) {
  let clock = 0;
  const inFlight: (() => void)[] = [];
  const fake = (url: string | undefined, deliver: (data: ArrayBuffer) => void): FakeWebSocket => {
    const listeners = new Map<string, ((event: unknown) => void)[]>();
    return {
      readyState: 1,
      url,
      send: (data) => void inFlight.push(() => deliver(data.slice().buffer)),
      close() {},
      addEventListener: (type, listener) => void listeners.set(type, [...listeners.get(type) ?? [], listener]),
      fire: (type, event) => listeners.get(type)?.forEach((listener) => listener(event)),
    };
  };
  const server: FakeWebSocket | CallbackWebSocket = callback
    ? { send: (data) => void inFlight.push(() => client.fire("message", { data: data.slice().buffer })), close() {} }
    : fake(undefined, (data) => client.fire("message", { data }));
  const client = fake(
    "ws://game.test/",
    (data) => "fire" in server ? server.fire("message", { data }) : sockets.message(server, data),
  );
  const net = {
    now: () => clock,
    advance(ms: number) {
      for (const deliver of inFlight.splice(0)) deliver();
      clock += ms;
    },
  };
  return { client, server, net };
}

for (const callback of [false, true]) {
  const kind = callback ? "a runtime's callback (sockets.closed)" : "its close event";
  Deno.test(`a WebSocket that closes ends its peer as closed at once, on both sides: the server hears ${kind}`, () => {
    const sockets = webSocketServer();
    const { client, server, net } = webSocketPair(sockets, callback);
    const clientSocket = webSocket(client);
    const serverHost = new Host(sockets, { now: net.now });
    const clientHost = new Host(clientSocket, { now: net.now });
    if (!callback) assert.equal(sockets.accept(server, "player"), "player");
    const peer = clientHost.connect(clientSocket.address);
    peer.send("hello");
    const events = frames(net, [serverHost, clientHost], 10);
    assert.equal(peer.state, "connected");
    assert.ok(events.some(([host, event]) => host === 0 && event.type === "message" && event.data === "hello"));
    const [serverPeer] = serverHost.peers;
    assert.equal(serverPeer.state, "connected");
    // The server's end closes: its peer ends now, with no update and no timeout.
    if ("fire" in server) server.fire("close");
    else sockets.closed(server);
    assert.equal(serverPeer.state, "disconnected");
    const heard = serverHost.poll();
    assert.equal(heard?.type === "disconnect" && heard.reason, "closed");
    assert.equal(serverHost.peers.length, 0);
    // And the client's end: its peer ends too.
    client.fire("close");
    assert.equal(peer.state, "disconnected");
    const clientHeard = clientHost.poll();
    assert.equal(clientHeard?.type === "disconnect" && clientHeard.reason, "closed");
  });
}

Deno.test("a server WebSocket that drops a datagram (Bun's send() returns 0) is closed: both sides hear it at once", () => {
  // Over a reliable socket nothing is resent: one datagram dropped on an open socket held its reliable channel, which
  // delivered nothing more, until the receiver ended the connection as "timeout" 10 s later (memoryNet, 2026-12-02).
  const sockets = webSocketServer();
  const { client, server, net } = webSocketPair(sockets, true);
  let drop = false;
  let closes = 0;
  const send = server.send;
  server.send = (data) => drop ? (drop = false, 0) : (send(data), data.length);
  server.close = () => {
    closes++;
    sockets.closed(server);
    client.fire("close");
  };
  const clientSocket = webSocket(client);
  const serverHost = new Host(sockets, { now: net.now });
  const clientHost = new Host(clientSocket, { now: net.now });
  const peer = clientHost.connect(clientSocket.address);
  frames(net, [serverHost, clientHost], 10);
  const [serverPeer] = serverHost.peers;
  const heard: unknown[] = [];
  for (let i = 0; i < 6; i++) {
    if (i < 5) serverPeer.send(i);
    for (const [host, event] of frames(net, [serverHost, clientHost], 1)) {
      if (host == 1 && event.type == "message") heard.push(event.data);
    }
  }
  assert.deepEqual(heard, [0, 1, 2, 3, 4]);
  assert.equal(closes, 0, "a datagram sent is no reason to close");
  drop = true;
  serverPeer.send("lost");
  const ends = frames(net, [serverHost, clientHost], 2).filter(([, event]) => event.type == "disconnect");
  assert.equal(closes, 1);
  assert.deepEqual(ends.map(([host, event]) => [host, event.type == "disconnect" && event.reason]), [
    [0, "closed"],
    [1, "closed"],
  ]);
  assert.equal(peer.state, "disconnected");
});

Deno.test('webSocketServer: accept() without an address names its WebSockets "ws:1", "ws:2", … as documented', () => {
  const sockets = webSocketServer();
  sockets.listen(() => {}, () => {});
  const names = [0, 1, 2].map(() => sockets.accept(webSocketPair(sockets, false).server));
  assert.deepEqual(names, ["ws:1", "ws:2", "ws:3"]);
});

Deno.test("webSocketServer: a WebSocket closed before accept() is not kept, and its address stays free", () => {
  // The server awaited something (a login check) between the upgrade and accept(), and the client left meanwhile:
  // its close event had fired, none comes again, and the link and address were kept for good (a review, 2026-11-30).
  const sockets = webSocketServer();
  const faults: string[] = [];
  sockets.listen(() => {}, (event) => event.type === "error" && faults.push((event.error as Error).message));
  const closed = { ...webSocketPair(sockets, false).server, readyState: 3 };
  assert.equal(sockets.accept(closed, "10.0.0.7:50000"), "10.0.0.7:50000");
  sockets.send(Uint8Array.of(1), "10.0.0.7:50000");
  assert.deepEqual(faults, ["Cannot send to 10.0.0.7:50000: no open WebSocket there"]);
  // The client comes back from the same address and port (a NAT reuses it): its new WebSocket is taken.
  const { server } = webSocketPair(sockets, false);
  assert.equal(sockets.accept(server, "10.0.0.7:50000"), "10.0.0.7:50000");
});

Deno.test("webSocketServer: a WebSocket closing (readyState 2) before accept() is not kept either, and its address stays free", () => {
  // Its client began to close while the server awaited something: what is sent is lost, so no link is made, and the
  // client back from the same address and port is taken at once, not refused until the close event comes.
  const sockets = webSocketServer();
  const faults: string[] = [];
  sockets.listen(() => {}, (event) => event.type === "error" && faults.push((event.error as Error).message));
  const closing = { ...webSocketPair(sockets, false).server, readyState: 2 };
  assert.equal(sockets.accept(closing, "10.0.0.7:50000"), "10.0.0.7:50000");
  sockets.send(Uint8Array.of(1), "10.0.0.7:50000");
  assert.deepEqual(faults, ["Cannot send to 10.0.0.7:50000: no open WebSocket there"]);
  const { server } = webSocketPair(sockets, false);
  assert.equal(sockets.accept(server, "10.0.0.7:50000"), "10.0.0.7:50000");
});

Deno.test("webSocketServer: accept() given what is no WebSocket throws each time, saying what it takes, and keeps nothing of it", () => {
  // Its URL: the throw ("Cannot use 'in' operator…") came after its address was kept, so a second accept() of it
  // returned that address, silently, and the entry stayed for good. Deno.upgradeWebSocket's { socket, response }, not
  // destructured, was kept without a word and never heard from, and host.close() then threw "ws.close is not a
  // function". Nothing: "Cannot read properties of undefined".
  const sockets = webSocketServer();
  const events: SocketEvent[] = [];
  sockets.listen(() => {}, (event) => events.push(event));
  const upgraded = {
    socket: { readyState: 0, send() {}, close() {}, addEventListener() {} },
    response: new Response(),
  };
  const message = "accept() takes a WebSocket";
  for (const wrong of ["ws://127.0.0.1:8080", upgraded, new Request("http://127.0.0.1:8080/"), undefined]) {
    for (let i = 0; i < 2; i++) {
      assert.throws(() => sockets.accept(wrong as unknown as WebSocketLike, "player"), { name: "TypeError", message });
    }
    sockets.closed(wrong as unknown as WebSocketLike);
    // A message from it is taken as a new accept(), which throws again.
    assert.throws(() => sockets.message(wrong as unknown as WebSocketLike, new Uint8Array([1])), TypeError);
  }
  // One whose linking throws (here its addEventListener) keeps nothing either.
  const broken = { readyState: 1, send() {}, close() {}, addEventListener: () => assert.fail("gone") };
  for (let i = 0; i < 2; i++) assert.throws(() => sockets.accept(broken, "player"), /gone/);
  sockets.closed(broken);
  assert.deepEqual(events, []);
  assert.equal(sockets.accept(upgraded.socket, "player"), "player"); // the address was never taken
  sockets.close();
});

Deno.test("webSocketServer: a WebSocket accepted twice keeps its one address, and each message arrives once", () => {
  // A second accept() of the same WebSocket (the game's upgrade handler and its open handler both calling it) made a
  // second link with its own listeners and address: every message arrived twice, from two addresses.
  const sockets = webSocketServer();
  const { server } = webSocketPair(sockets, false);
  const heard: [number, string][] = [];
  sockets.listen((data, from) => heard.push([data[0], from]));
  assert.equal(sockets.accept(server, "player"), "player");
  assert.equal(sockets.accept(server), "player");
  assert.equal(sockets.accept(server, "someone else"), "player");
  (server as FakeWebSocket).fire("message", { data: Uint8Array.of(7).buffer });
  assert.deepEqual(heard, [[7, "player"]]);
  // Closed once, it is forgotten once; its address is free for the next.
  (server as FakeWebSocket).fire("close");
  assert.equal(sockets.accept(webSocketPair(sockets, false).server, "player"), "player");
});

Deno.test("webSocketServer: close() closes every WebSocket it accepted, of both kinds, once each", () => {
  // A server Host's close() closes its socket: its players' WebSockets with it, or each stayed open and silent.
  const sockets = webSocketServer();
  sockets.listen(() => {});
  const closed: string[] = [];
  const kinds = [false, true].map((callback) => {
    const { server } = webSocketPair(sockets, callback);
    const name = callback ? "callback" : "listener";
    return { ...server, close: () => void closed.push(name) } as FakeWebSocket | CallbackWebSocket;
  });
  sockets.accept(kinds[0] as FakeWebSocket, "a");
  sockets.message(kinds[1] as CallbackWebSocket, Uint8Array.of(1).buffer); // a callback WebSocket is kept at its first message
  sockets.close();
  assert.deepEqual(closed.sort(), ["callback", "listener"]);
});

Deno.test("webSocketServer: after close(), a WebSocket accepted or heard from is closed at once, and nothing of it kept", () => {
  // The Host closed its socket, and the game's HTTP server, still running, upgraded one more WebSocket: it was linked
  // and kept open, and its client connected into silence until its own `timeout` (a review of the adapters,
  // 2026-12-03). Now it is closed: its client hears "closed" at once.
  const sockets = webSocketServer();
  const serverHost = new Host(sockets);
  serverHost.close();
  const { client, server, net } = webSocketPair(sockets, false);
  let closes = 0;
  server.close = () => {
    closes++;
    client.fire("close");
  };
  const clientSocket = webSocket(client);
  const clientHost = new Host(clientSocket, { now: net.now });
  const peer = clientHost.connect(clientSocket.address);
  assert.equal(sockets.accept(server, "late"), "late");
  assert.equal(closes, 1);
  assert.equal(peer.state, "disconnected");
  const heard = clientHost.poll();
  assert.equal(heard?.type === "disconnect" && heard.reason, "closed");
  // A runtime that calls back: its first message is taken as an accept(), which closes it too.
  const late = webSocketPair(sockets, true).server;
  let lateCloses = 0;
  late.close = () => void lateCloses++;
  sockets.message(late, Uint8Array.of(3).buffer);
  assert.equal(lateCloses, 1);
  sockets.message(late, Uint8Array.of(4).buffer);
  assert.equal(lateCloses, 2, "not kept: each message asks again, and is closed again");
  assert.equal(closes, 1);
  assert.equal(serverHost.peers.length, 0);
  // Deno's upgraded WebSocket is still connecting at accept(), and ignores a close() until it is open (Deno 2.9.6; the
  // e2e test has the real one): closed again once open.
  const upgrading = webSocketPair(sockets, false).server as FakeWebSocket;
  const states: number[] = [];
  Object.assign(upgrading, { readyState: 0, close: () => void states.push(upgrading.readyState) });
  assert.equal(sockets.accept(upgrading, "upgrading"), "upgrading");
  Object.assign(upgrading, { readyState: 1 });
  upgrading.fire("open");
  assert.deepEqual(states, [0, 1]);
  // And one accepted open, then closed by close() while still connecting (the Host closed in that moment).
  const other = webSocketServer();
  other.listen(() => {});
  const connecting = webSocketPair(other, false).server as FakeWebSocket;
  const otherStates: number[] = [];
  Object.assign(connecting, { readyState: 0, close: () => void otherStates.push(connecting.readyState) });
  assert.equal(other.accept(connecting, "connecting"), "connecting");
  other.close();
  Object.assign(connecting, { readyState: 1 });
  connecting.fire("open");
  assert.deepEqual(otherStates, [0, 1]);
  // Cloudflare's server end of a WebSocketPair refuses close() until it is accepted (workerd: "You must call one of
  // accept() or state.acceptWebSocket() ..."): accept() after close() threw that out of the Worker's fetch (a review,
  // 2026-12-05). It is accepted, as any WebSocket linked is, and then closed.
  const worker = webSocketPair(sockets, false).server as FakeWebSocket;
  let accepted = false;
  let workerCloses = 0;
  Object.assign(worker, {
    accept: () => void (accepted = true),
    close: () => {
      if (!accepted) throw new TypeError("You must call one of accept() or state.acceptWebSocket() on this WebSocket");
      workerCloses++;
    },
  });
  assert.equal(sockets.accept(worker, "worker"), "worker");
  assert.equal(workerCloses, 1);
});

Deno.test("webSocketServer: a second open WebSocket accepted at a taken address throws, and the first keeps it", () => {
  // Taken silently, the newcomer's link replaced the first one's: what the Host sent to that address went to the
  // newcomer, and the first player heard nothing more.
  const sockets = webSocketServer();
  const first = webSocketPair(sockets, false);
  const second = webSocketPair(sockets, false);
  const heard: string[] = [];
  first.client.addEventListener("message", () => heard.push("first"));
  second.client.addEventListener("message", () => heard.push("second"));
  sockets.listen(() => {});
  assert.equal(sockets.accept(first.server, "10.0.0.7:50000"), "10.0.0.7:50000");
  assert.throws(() => sockets.accept(second.server, "10.0.0.7:50000"), {
    name: "RangeError",
    message: "Cannot accept a WebSocket at 10.0.0.7:50000: another one is open there",
  });
  sockets.send(Uint8Array.of(1), "10.0.0.7:50000");
  first.net.advance(0), second.net.advance(0);
  assert.deepEqual(heard, ["first"]);
});

Deno.test("a Durable Object's hibernating WebSocket (its accept() throws, its runtime calls back) works through sockets.message", () => {
  // Cloudflare's WebSocket has addEventListener, so it was taken for one that fires events, and its accept(), called
  // as Cloudflare asks of a WebSocketPair's end, throws once ctx.acceptWebSocket took it: the first sockets.message
  // threw, and every answer was dropped (found running examples/cloudflare/room.mjs in workerd).
  const sockets = webSocketServer();
  const { client, server, net } = webSocketPair(sockets, true);
  Object.assign(server, {
    addEventListener() {},
    accept() {
      throw new TypeError("Can't accept() WebSocket after enabling hibernation.");
    },
  });
  const clientSocket = webSocket(client);
  const serverHost = new Host(sockets, { now: net.now });
  const clientHost = new Host(clientSocket, { now: net.now });
  const peer = clientHost.connect(clientSocket.address);
  peer.send("hello");
  let events = frames(net, [serverHost, clientHost], 10);
  assert.ok(events.some(([host, event]) => host === 0 && event.type === "message" && event.data === "hello"));
  const [serverPeer] = serverHost.peers;
  serverPeer.send("welcome");
  events = frames(net, [serverHost, clientHost], 10);
  assert.ok(events.some(([host, event]) => host === 1 && event.type === "message" && event.data === "welcome"));
  assert.equal(serverHost.stats.socketErrors, 0);
  sockets.closed(server);
  assert.equal(serverPeer.state, "disconnected");
});

/**
 * bunUdp over a stand-in for Bun.udpSocket (Bun itself runs in e2e/bun_test.ts): `send` is its send, false when its
 * buffer is full; `drain()` calls the handler Bun calls once the buffer has room again.
 */
async function fakeBunUdp(send: (data: Uint8Array, port: number, hostname: string) => boolean) {
  let drain = () => {};
  let data = (_data: Uint8Array, _port: number, _hostname: string) => {};
  let error = (_error: Error) => {};
  const closes = { count: 0 };
  const open: BunUdpOpen = (options) => {
    drain = () => options.socket.drain!({} as never);
    data = (bytes, port, hostname) => options.socket.data({} as never, bytes, port, hostname);
    error = (fault) => options.socket.error.call({} as never, fault); // as Bun 1.4.5 calls it: the socket is `this`
    return Promise.resolve({ hostname: "127.0.0.1", port: 4000, close: () => void closes.count++, send });
  };
  return {
    socket: await bunUdp(open),
    drain: () => drain(),
    data: (...args: Parameters<typeof data>) => data(...args),
    error: (fault: Error) => error(fault),
    closes,
  };
}

Deno.test('bunUdp hands each datagram Bun delivers to its listener, a copy, from "IP:port" ([IPv6]:port)', async () => {
  const { socket, data } = await fakeBunUdp(() => true);
  const got: [number[], string][] = [];
  socket.listen((bytes, from) => void got.push([[...bytes], from]));
  const bytes = Uint8Array.of(1, 2, 3);
  data(bytes, 5000, "127.0.0.1");
  data(Uint8Array.of(4), 5001, "::1");
  bytes[0] = 9; // Bun may reuse its buffer: what the listener got stays
  assert.deepEqual(got, [[[1, 2, 3], "127.0.0.1:5000"], [[4], "[::1]:5001"]]);
  socket.close();
  data(Uint8Array.of(5), 5000, "127.0.0.1");
  assert.equal(got.length, 2, "nothing after close()");
});

Deno.test("bunUdp (as denoUdp and nodeUdp): a fault of Bun's socket reaches the Host; close() twice closes Bun's once", async () => {
  const { socket, error, closes } = await fakeBunUdp(() => true);
  const faults: string[] = [];
  socket.listen(() => {}, (event) => event.type == "error" && faults.push((event.error as Error).message));
  error(new Error("ICMP port unreachable"));
  assert.deepEqual(faults, ["ICMP port unreachable"]);
  socket.close();
  socket.close(); // a game's cleanup and its Host's: Node's dgram throws when closed twice
  assert.equal(closes.count, 1);
});

Deno.test("bunUdp: Bun's error handler, called with the error alone (each ICMP bounce), reaches the Host as that error, counted once", async () => {
  // Read as a second argument, Bun's error was undefined: each fault reached the Host as none, and a fix that skipped
  // an undefined one skipped every fault (a review, 2026-12-05, with Bun 1.4.5: one argument, ECONNREFUSED, at each
  // bounce).
  const { socket, error } = await fakeBunUdp(() => true);
  const host = new Host(socket, { now: () => 0 });
  const bounce = Object.assign(new Error("recv ECONNREFUSED"), { code: "ECONNREFUSED" });
  error(bounce);
  assert.equal(host.stats.socketErrors, 1);
  error(new Error("a fault Bun names"));
  assert.equal(host.stats.socketErrors, 2);
  host.close();
});

Deno.test("bunUdp: a datagram whose send throws while the buffer drains leaves the rest going, then and after", async () => {
  // Bun's send buffer is full once, then one queued datagram's send throws. The datagrams behind it stayed queued,
  // and as `drain` only follows a full buffer, every later send waited behind them until the queue was full.
  let full = true;
  const delivered: number[] = [];
  const { socket, drain } = await fakeBunUdp((data, port) => {
    if (port === 6000) throw new Error("the runtime refused this one");
    if (full) return false;
    delivered.push(data[0]);
    return true;
  });
  const errors: SocketEvent[] = [];
  socket.listen(() => {}, (event) => errors.push(event));
  socket.send(Uint8Array.of(1), "127.0.0.1:5000"); // the buffer is full: it waits
  socket.send(Uint8Array.of(2), "127.0.0.1:6000"); // waits, and will throw
  socket.send(Uint8Array.of(3), "127.0.0.1:5000");
  full = false;
  drain();
  assert.deepEqual(delivered, [1, 3]);
  assert.equal(errors.length, 1);
  for (let i = 4; i < 10; i++) socket.send(Uint8Array.of(i), "127.0.0.1:5000");
  assert.deepEqual(delivered, [1, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("bunUdp: a send that fails once is tried again (Bun's ICMP for an earlier datagram), one that fails twice is dropped", async () => {
  // Bun turns IP_RECVERR on: an ICMP "port unreachable" for a datagram to a closed port fails the socket's next send,
  // whoever it goes to, once. A stranger's ghost peers (handshakes from sockets it then closed) made the server's
  // keepalives to them bounce, and each bounce cost the next player a datagram (bench/bun_ghosts.mjs: 63 ghosts held a
  // player's updates up to a second).
  let bounced = 0;
  let full = false;
  const tries: number[] = [];
  const { socket, drain } = await fakeBunUdp((data) => {
    tries.push(data[0]);
    if (data[0] == 9) throw new Error("the runtime refused this one"); // every time
    if (bounced) {
      bounced = 0;
      throw new Error("ECONNREFUSED"); // once, for what an earlier datagram met
    }
    return !full;
  });
  const errors: SocketEvent[] = [];
  socket.listen(() => {}, (event) => errors.push(event));
  bounced = 1;
  socket.send(Uint8Array.of(1), "127.0.0.1:5000");
  socket.send(Uint8Array.of(2), "127.0.0.1:5000");
  socket.send(Uint8Array.of(9), "127.0.0.1:5000");
  socket.send(Uint8Array.of(3), "127.0.0.1:5000");
  assert.deepEqual(tries, [1, 1, 2, 9, 9, 3]);
  assert.deepEqual(errors.map((event) => event.type == "error" && (event.error as Error).message), [
    "the runtime refused this one",
  ]);
  // The same while datagrams wait for `drain`: the one a bounce fails is queued again, behind those waiting.
  tries.length = 0;
  full = true;
  socket.send(Uint8Array.of(4), "127.0.0.1:5000"); // the buffer is full: it waits
  socket.send(Uint8Array.of(5), "127.0.0.1:5000");
  full = false;
  bounced = 1;
  drain();
  assert.deepEqual(tries, [4, 4, 5, 4]);
  assert.equal(errors.length, 1);
});

Deno.test("nodeUdp and denoUdp: a send that fails once is tried again (Bun's node:dgram has its ICMP fault), one that fails twice is dropped", async () => {
  // Bun turns IP_RECVERR on for node:dgram too: the send callback after a bounce says ECONNREFUSED, whoever the
  // datagram was for (measured with Bun 1.4.5). Deno's send fails as a rejection.
  let bounced = 0;
  const tries: number[] = [];
  const outcome = (data: Uint8Array): Error | undefined => {
    tries.push(data[0]);
    if (data[0] == 9) return new Error("the runtime refused this one"); // every time
    if (bounced) return bounced = 0, new Error("ECONNREFUSED"); // once, for what an earlier datagram met
  };
  const dgram = {
    send(data: Uint8Array, _port: number, _address: string, callback: (error: Error | null) => void) {
      const error = outcome(data);
      queueMicrotask(() => callback(error ?? null));
    },
    on() {},
    close() {},
  } as unknown as NodeDgramSocket;
  const conn: DenoDatagramConn = {
    send(data) {
      const error = outcome(data);
      return error ? Promise.reject(error) : Promise.resolve(data.length);
    },
    receive: () => new Promise(() => {}), // nothing arrives
    close() {},
  };
  for (const socket of [nodeUdp(dgram), denoUdp(conn)]) {
    const errors: string[] = [];
    socket.listen(() => {}, (event) => event.type == "error" && errors.push((event.error as Error).message));
    tries.length = 0;
    bounced = 1;
    for (const n of [1, 2, 9, 3]) socket.send(Uint8Array.of(n), "127.0.0.1:5000");
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Each send's outcome comes later (a callback, a promise): the second tries go after the first of the others.
    assert.deepEqual(tries, [1, 2, 9, 3, 1, 9]);
    assert.deepEqual(errors, ["the runtime refused this one"]);
  }
});

Deno.test("udpSocket: close() while a failed send is tried again closes the runtime's socket after that try, once", async () => {
  // A review of the retry (2026-12-05): closing the socket before the second try, or never after it, passed the suite.
  const log: string[] = [];
  let failures = 0;
  const dgram = {
    send(data: Uint8Array, _port: number, _address: string, callback: (error: Error | null) => void) {
      log.push(`send ${data[0]}`);
      queueMicrotask(() => callback(failures-- > 0 ? new Error("ECONNREFUSED") : null));
    },
    on() {},
    close: () => void log.push("close"),
  } as unknown as NodeDgramSocket;
  for (const fail of [1, 2]) {
    log.length = 0;
    failures = fail;
    const socket = nodeUdp(dgram);
    socket.listen(() => {}, () => {});
    socket.send(Uint8Array.of(1), "127.0.0.1:5000");
    socket.close(); // a Host's close() right after its goodbye
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(log, ["send 1", "send 1", "close"]);
  }
});

Deno.test("bunUdp (as denoUdp and nodeUdp): a send after close() never reaches the runtime; a fault says it is closed", async () => {
  const delivered: number[] = [];
  const { socket } = await fakeBunUdp((data) => delivered.push(data[0]) > 0);
  const faults: string[] = [];
  socket.listen(() => {}, (event) => event.type == "error" && faults.push((event.error as Error).message));
  socket.send(Uint8Array.of(1), "127.0.0.1:5000");
  socket.close();
  socket.send(Uint8Array.of(2), "127.0.0.1:5000");
  assert.deepEqual(delivered, [1]);
  assert.deepEqual(faults, ["Cannot send to 127.0.0.1:5000: the socket is closed"]);
});

Deno.test("bunUdp with its buffer full, and a WebSocket still connecting, hold 1,024 datagrams; the next is an error", async () => {
  // MAX_WAITING_DATAGRAMS, at its edge (a sweep, 2026-12-03): one more was held with `>` in place of `>=`.
  const WAITING = 1024;
  let full = true;
  const sent: number[] = [];
  const { socket: udp, drain } = await fakeBunUdp((data) => !full && sent.push(data[0] | data[1] << 8) > 0);
  let readyState = 0;
  let onOpen = () => {};
  const ws: WebSocketLike = {
    get readyState() {
      return readyState;
    },
    url: "ws://game.test/",
    send: (data) => void sent.push(data[0] | data[1] << 8),
    close() {},
    addEventListener: (type, listener) => void (type == "open" && (onOpen = () => listener({}))),
  };
  const client = webSocket(ws);
  for (const [socket, to, ready] of [[udp, "127.0.0.1:5000", drain], [client, client.address, onOpen]] as const) {
    const events: SocketEvent[] = [];
    socket.listen(() => {}, (event) => events.push(event));
    full = true;
    readyState = 0;
    for (let i = 0; i <= WAITING; i++) socket.send(Uint8Array.of(i & 255, i >> 8), to);
    assert.equal(events.length, 1, `${to}: the one past ${WAITING}`);
    assert.equal(events[0].type, "error");
    assert.deepEqual(sent, []);
    full = false;
    readyState = 1;
    ready();
    assert.deepEqual(sent.splice(0), [...Array(WAITING).keys()], `${to}: the held ones, in order`);
  }
});

/**
 * A WebSocket stand-in at ws://game.test/: the first byte of each datagram it was sent, its `readyState` to set, and
 * its `open` event to fire.
 */
function standInWebSocket(readyState: number) {
  const sent: number[] = [];
  let onOpen = () => {};
  const ws: WebSocketLike & { readyState: number } = {
    readyState,
    url: "ws://game.test/",
    send: (data) => void sent.push(data[0]),
    close() {},
    addEventListener: (type, listener) => void (type == "open" && (onOpen = () => listener({}))),
  };
  return { ws, sent, open: () => onOpen() };
}

Deno.test("webSocket: datagrams held while it connects go once, in order, before the next, whether `open` or a send comes first", () => {
  for (const openFirst of [true, false]) {
    const { ws, sent, open: onOpen } = standInWebSocket(0);
    const socket = webSocket(ws);
    socket.listen(() => {});
    socket.send(Uint8Array.of(1), socket.address);
    socket.send(Uint8Array.of(2), socket.address);
    assert.deepEqual(sent, []);
    ws.readyState = 1; // a browser's readyState is 1 before its open event is dispatched
    if (openFirst) onOpen();
    socket.send(Uint8Array.of(3), socket.address);
    onOpen(); // again, or for the first time: nothing is held any more
    socket.send(Uint8Array.of(4), socket.address);
    assert.deepEqual(sent, [1, 2, 3, 4], `open event ${openFirst ? "before" : "after"} the next send`);
  }
});

Deno.test("webSocket: its WebSocket's binaryType is set to arraybuffer, and a send that throws is a fault told to the Host", () => {
  // A browser's WebSocket hands binary messages over as Blobs by default ("blob"): every one would be a text fault.
  const events: SocketEvent[] = [];
  const ws: WebSocketLike = {
    binaryType: "blob",
    readyState: 1,
    url: "ws://game.test/",
    send() {
      throw new Error("the runtime's refusal");
    },
    close() {},
    addEventListener() {},
  };
  const socket = webSocket(ws);
  assert.equal(ws.binaryType, "arraybuffer");
  socket.listen(() => {}, (event) => events.push(event));
  socket.send(Uint8Array.of(1), socket.address);
  assert.deepEqual(events.map((event) => event.type == "error" && (event.error as Error).message), [
    "the runtime's refusal",
  ]);
});

Deno.test("webSocket: a send while its WebSocket is closing or closed is a fault, the socket is closed, and never reaches it", () => {
  // A browser's WebSocket drops what is sent while it closes (readyState 2) and says nothing: a reliable message lost
  // there, as on a closed one, is told to the Host.
  const { ws, sent } = standInWebSocket(1);
  const socket = webSocket(ws);
  const faults: string[] = [];
  socket.listen(() => {}, (event) => event.type == "error" && faults.push((event.error as Error).message));
  for (const state of [1, 2, 3]) {
    ws.readyState = state;
    socket.send(Uint8Array.of(state), socket.address);
  }
  assert.deepEqual(sent, [1]);
  assert.deepEqual(faults, [
    "Cannot send to ws://game.test/: the socket is closed",
    "Cannot send to ws://game.test/: the socket is closed",
  ]);
});

Deno.test("a UDP address is an IP and a port: a name or 0.0.0.0 throws at once, as it would time out in silence", async () => {
  // The Host knows a peer by the address it was given; the answers to "localhost:7000" come from 127.0.0.1:7000, and
  // so do the answers of a server listening on 0.0.0.0:7000 to "0.0.0.0:7000" (a newcomer's first game, 2026-12-01).
  const sent: string[] = [];
  const { socket } = await fakeBunUdp((_data, port, hostname) => sent.push(`${hostname} ${port}`) > 0);
  for (
    const name of [
      "localhost:7000",
      "game.example.com:7000",
      "0.0.0.0:7000",
      "[::]:7000",
      "[0.0.0.0]:7000",
      "0:7000",
      // IPv4 is four numbers: the runtimes took three or five as a name, to resolve (a review, 2026-12-06).
      "127.0.0:7000",
      "1.2.3.4.5:7000",
      "127.1:7000",
      // In brackets, IPv6: an IPv4 there timed out, its answers from 127.0.0.1:7000; a hex word is a name.
      "[127.0.0.1]:7000",
      "[cafe]:7000",
      // Ports past the range, at its edges (a sweep, 2026-12-03).
      "127.0.0.1:0",
      "127.0.0.1:65536",
    ]
  ) {
    assert.throws(() => socket.send(Uint8Array.of(1), name), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /resolve a name first; reach a server on 0\.0\.0\.0 at 127\.0\.0\.1/);
      // "Cannot reach", not "Cannot send to": `connect()` throws it too, from the HELLO's send (a newcomer's walk-through,
      // 2026-12-05, read "send" where it called connect).
      assert.ok(error.message.startsWith(`Cannot reach "${name}": an address is "IP:port"`), error.message);
      return true;
    });
  }
  socket.send(Uint8Array.of(1), "127.0.0.1:7000");
  assert.deepEqual(sent, ["127.0.0.1 7000"], "a datagram the buffer takes leaves at once");
  socket.send(Uint8Array.of(1), "[::1]:7000");
  socket.send(Uint8Array.of(1), "127.0.0.1:1");
  socket.send(Uint8Array.of(1), "127.0.0.1:65535");
  assert.deepEqual(sent, ["127.0.0.1 7000", "::1 7000", "127.0.0.1 1", "127.0.0.1 65535"]);
});

Deno.test("one Host a socket: a second Host, or a new one on a closed Host's socket, throws and says what to do", async () => {
  // Both heard nothing before: the datagrams went to one Host of the two (memoryNet, denoUdp and the WebSocket adapters
  // the last made, nodeUdp both), and a closed Host's UDP socket stays closed (a newcomer's restart, 2026-12-02).
  const message = "new Host() takes a Socket no Host had: open a new one";
  const net = memoryNet();
  const socket = net.socket("server");
  const first = new Host(socket);
  assert.throws(() => new Host(socket), { name: "Error", message });
  first.close();
  assert.throws(() => new Host(socket), { name: "Error", message });
  // A new socket at the same address is another socket (a player back on the same port): it connects.
  const again = new Host(net.socket("server"));
  const client = new Host(net.socket("client"));
  const peer = client.connect("server");
  frames(net, [again, client], 10);
  assert.equal(peer.state, "connected");

  const open: BunUdpOpen = () => Promise.resolve({ hostname: "127.0.0.1", port: 4000, close() {}, send: () => true });
  const udp = await bunUdp(open);
  const host = new Host(udp);
  assert.throws(() => new Host(udp), { name: "Error", message });
  host.close();
  assert.throws(() => new Host(udp), { name: "Error", message });

  // WebSockets, both ends: the datagrams went to the last Host made.
  const sockets = webSocketServer();
  const pair = webSocketPair(sockets, false);
  for (const socket of [sockets, webSocket(pair.client)]) {
    new Host(socket);
    assert.throws(() => new Host(socket), { name: "Error", message });
  }

  // Through condition(): the refused second Host takes nothing of the first's, not its faults either (a review found
  // condition() giving its notify to the second Host before its socket threw, 2026-12-02).
  const inner: Socket = {
    send() {
      throw new Error("unreachable");
    },
    listen: net.socket("conditioned").listen,
    close() {},
  };
  fakeTimers((timers) => {
    const conditioned = condition(inner);
    const owner = new Host(conditioned);
    assert.throws(() => new Host(conditioned), { name: "Error", message });
    conditioned.send(Uint8Array.of(1), "server");
    for (const [callback] of timers.splice(0)) callback();
    assert.equal(owner.stats.socketErrors, 1);
  });
});

Deno.test("denoUdp: a listener that throws is counted as a fault, and the datagrams after it still arrive", async () => {
  // Only a conn with no receive is thrown: a fault in what hears a datagram must not end the process.
  let sent = 0;
  const from = { transport: "udp", hostname: "127.0.0.1", port: 5000 };
  const conn: DenoDatagramConn = {
    receive: () => sent < 3 ? Promise.resolve([Uint8Array.of(++sent), from]) : new Promise(() => {}),
    send: () => Promise.resolve(0),
    close() {},
  };
  const got: number[] = [];
  const faults: SocketEvent[] = [];
  denoUdp(conn).listen((data) => {
    got.push(data[0]);
    if (data[0] === 1) throw new TypeError("a bug in the listener");
  }, (event) => faults.push(event));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(got, [1, 2, 3]);
  assert.deepEqual(faults.map((event) => event.type), ["error"]);
});

/** Runs `run`, waits 20 ms, and returns the reason of an unhandled rejection meanwhile (one would end the process). */
async function rejectionDuring(run: () => void): Promise<unknown> {
  let rejected: unknown;
  const onRejection = (event: PromiseRejectionEvent) => {
    rejected = event.reason;
    event.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  try {
    run();
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    globalThis.removeEventListener("unhandledrejection", onRejection);
  }
  return rejected;
}

Deno.test("denoUdp: a socket closed while its last send is in flight, its conn closed by the game too, throws nothing later", async () => {
  // host.close() closes the socket once its goodbyes have left. A game that closed the conn itself too (a tidy-up)
  // made that late close throw BadResource in the send's callback: an uncaught rejection, which ends a Deno process
  // (a review, 2026-12-03; e2e/faults_test.ts has it on real sockets). Here the rejection is caught by the test.
  let finishSend = () => {};
  let closes = 0;
  const conn: DenoDatagramConn = {
    receive: () => new Promise(() => {}),
    send: () => new Promise((resolve) => finishSend = () => resolve(0)),
    close() {
      if (closes++) throw new Error("Bad resource ID"); // as Deno's BadResource, closed already
    },
  };
  const rejected = await rejectionDuring(() => {
    const socket = denoUdp(conn);
    socket.listen(() => {}, () => {});
    socket.send(Uint8Array.of(1), "127.0.0.1:4000"); // a goodbye, in flight
    socket.close(); // waits for it
    conn.close(); // the game's own
    finishSend();
  });
  assert.equal(rejected, undefined);
  assert.equal(closes, 2, "the socket still closes the conn after its last send");
});

Deno.test("host.close() throws nothing when the game closed the runtime's UDP socket first (nodeUdp, denoUdp)", () => {
  // Node's dgram throws ERR_SOCKET_DGRAM_NOT_RUNNING, and Deno's conn BadResource, when closed twice: a game that
  // closed its socket before its Host (a tidy-up in the wrong order) had host.close() throw the runtime's error.
  let closes = 0;
  const close = () => {
    if (closes++) throw new Error("Not running"); // as the runtimes do, closed already
  };
  const sockets: [string, () => Socket][] = [
    ["nodeUdp", () => nodeUdp({ send() {}, on() {}, close } as unknown as NodeDgramSocket)],
    ["denoUdp", () => denoUdp({ receive: () => new Promise(() => {}), send: () => Promise.resolve(0), close })],
  ];
  for (const [name, make] of sockets) {
    closes = 0;
    const host = new Host(make(), { now: () => 0 });
    close(); // the game's own, first
    assert.doesNotThrow(() => host.close(), name);
    assert.equal(closes, 2, `${name}: the socket still closed the runtime's once more`);
    assert.doesNotThrow(() => host.close(), `${name}: again`);
  }
});

Deno.test("denoUdp: the conn closes only once the socket closed and its last send left, whatever order they finish in", async () => {
  // A sweep (2026-12-03) found a close after any send left, the socket open or not, passing every test.
  const finishes: (() => void)[] = [];
  let closes = 0;
  const conn: DenoDatagramConn = {
    receive: () => new Promise(() => {}),
    send: () => new Promise((resolve) => finishes.push(() => resolve(0))),
    close: () => void closes++,
  };
  const socket = denoUdp(conn);
  socket.listen(() => {}, () => {});
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  socket.send(Uint8Array.of(1), "127.0.0.1:4000");
  finishes.shift()!();
  await settle();
  assert.equal(closes, 0, "a send that left, the socket open: the conn stays open");
  socket.send(Uint8Array.of(2), "127.0.0.1:4000");
  socket.send(Uint8Array.of(3), "127.0.0.1:4000");
  socket.close();
  finishes.shift()!();
  await settle();
  assert.equal(closes, 0, "closed with a send still in flight: the conn waits for it");
  finishes.shift()!();
  await settle();
  assert.equal(closes, 1);
});

Deno.test("denoUdp: a conn that fails its receive as closed (BadResource, Interrupted) ends the loop, no fault counted", async () => {
  // The game closed the conn itself, the socket still open: its receive fails at once every time it is called. A loop
  // that counted that and went on would spin, a fault each turn (a sweep, 2026-12-03).
  for (const name of ["BadResource", "Interrupted"]) {
    let calls = 0;
    const conn: DenoDatagramConn = {
      receive() {
        // Once: a loop that goes on waits on the second for good, so that the test fails and does not spin.
        return calls++ ? new Promise(() => {}) : Promise.reject(Object.assign(new Error("closed"), { name }));
      },
      send: () => Promise.resolve(0),
      close() {},
    };
    const events: SocketEvent[] = [];
    denoUdp(conn).listen(() => {}, (event) => events.push(event));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(calls, 1, name);
    assert.deepEqual(events, [], name);
  }
});

Deno.test("denoUdp: a receive that throws at once rejects its loop, once, never a loop with no await", async () => {
  // Caught and counted, such a throw was tried again at once with no await between: a loop that never let
  // `new Host` return (it was how a conn with no receive hung the process, before denoUdp checked for one). Here the
  // rejection, which ends a process, is caught by the test.
  let calls = 0;
  const conn: DenoDatagramConn = {
    receive() {
      calls++;
      throw new TypeError("receive broke");
    },
    send: () => Promise.resolve(0),
    close() {},
  };
  const rejected = await rejectionDuring(() => denoUdp(conn).listen(() => {}, () => {}));
  assert.equal(calls, 1);
  assert.match(String(rejected), /receive broke/);
});

Deno.test("nodeUdp listens for its socket's errors from the start (Node ends the process on one nobody hears); the Host's listener gets them", () => {
  const handlers = new Map<string, (...args: never[]) => void>();
  const dgram = {
    send() {},
    on(event: string, listener: (...args: never[]) => void) {
      handlers.set(event, listener);
    },
    close() {},
  } as unknown as NodeDgramSocket;
  const socket = nodeUdp(dgram);
  assert.ok(handlers.has("error"), "an error listener before any Host");
  (handlers.get("error") as (error: Error) => void)(new Error("before a Host: dropped, and the process lives"));
  const faults: string[] = [];
  const got: [number[], string][] = [];
  socket.listen(
    (data, from) => void got.push([[...data], from]),
    (event) => event.type == "error" && faults.push((event.error as Error).message),
  );
  (handlers.get("error") as (error: Error) => void)(new Error("EMSGSIZE"));
  (handlers.get("message") as (data: Uint8Array, from: { address: string; port: number }) => void)(
    Uint8Array.of(1, 2),
    { address: "127.0.0.1", port: 5000 },
  );
  assert.deepEqual(faults, ["EMSGSIZE"]);
  assert.deepEqual(got, [[[1, 2], "127.0.0.1:5000"]]);
});

Deno.test("nodeUdp: two Hosts on link-local IPv6 addresses, given with their zone as Node gives them ([fe80::1%eth0]:5000), connect and talk", () => {
  // Node names a link-local sender with its interface; the address check refused it, so every answer to such a player
  // was counted in socketErrors and it timed out (a review, 2026-12-05). A zone may hold "-" and "." (a bridge's VLAN,
  // br-1a2b.100). Two fake dgram sockets joined to each other.
  const ends = new Map<string, (data: Uint8Array, from: { address: string; port: number }) => void>();
  const sent: string[] = [];
  const dgram = (address: string, port: number) =>
    ({
      send(data: Uint8Array, toPort: number, toAddress: string, done: (error?: Error) => void) {
        sent.push(`${toAddress} ${toPort}`);
        const deliver = ends.get(`${toAddress} ${toPort}`);
        queueMicrotask(() => done());
        deliver?.(data.slice(), { address, port });
      },
      on(event: string, listener: (data: Uint8Array, from: { address: string; port: number }) => void) {
        if (event === "message") ends.set(`${address} ${port}`, listener);
      },
      close() {},
    }) as unknown as NodeDgramSocket;
  let now = 0;
  const server = new Host(nodeUdp(dgram("fe80::1%eth0", 4000)), { now: () => now });
  const client = new Host(nodeUdp(dgram("fe80::2%br-1a2b.100", 5000)), { now: () => now });
  const peer = client.connect("[fe80::1%eth0]:4000");
  const heard: unknown[] = [];
  for (let tick = 0; tick < 20; tick++, now += 16) {
    if (tick === 10) peer.send("hello over link-local");
    for (const host of [client, server]) {
      host.update();
      for (let event; (event = host.poll());) if (event.type === "message") heard.push(event.data);
    }
  }
  assert.equal(peer.state, "connected");
  assert.deepEqual(server.peers.map((other) => other.address), ["[fe80::2%br-1a2b.100]:5000"]);
  assert.deepEqual(heard, ["hello over link-local"]);
  assert.ok(sent.includes("fe80::2%br-1a2b.100 5000"), "the server answered the player's address, zone and all");
  assert.equal(server.stats.socketErrors + client.stats.socketErrors, 0);
  client.close();
  server.close();
});

Deno.test("nodeUdp given what is no dgram socket throws a TypeError at once, saying what it takes", () => {
  // The options meant for dgram.createSocket, nothing, or the dgram module: "socket.on is not a function" before,
  // "n.on is not a function" in the minified build.
  for (const wrong of [{ type: "udp4", port: 4000 }, undefined, { createSocket() {} }]) {
    assert.throws(() => nodeUdp(wrong as unknown as NodeDgramSocket), {
      name: "TypeError",
      message: "nodeUdp() takes a node:dgram socket",
    });
  }
});

Deno.test("bunUdp given what is no Bun.udpSocket function rejects with a TypeError, saying what it takes", async () => {
  // The socket Bun.udpSocket() returns (or its promise), its options, or nothing: "n is not a function" in the
  // minified build.
  const socket = { send: () => true, close() {}, port: 4000, hostname: "127.0.0.1" };
  for (const wrong of [socket, Promise.resolve(socket), { port: 4000 }, undefined]) {
    await assert.rejects(() => bunUdp(wrong as unknown as BunUdpOpen), {
      name: "TypeError",
      message: "bunUdp() takes Bun's udpSocket",
    });
  }
});

Deno.test("webSocket: a send to any address but its one peer's throws a RangeError, and nothing is sent", () => {
  // A client WebSocket reaches one server: `host.connect("ws://elsewhere/")` on it is a mistake, not a second peer.
  const { ws, sent } = standInWebSocket(1);
  const socket = webSocket(ws);
  socket.listen(() => {});
  assert.throws(() => socket.send(Uint8Array.of(1), "ws://elsewhere.test/"), {
    name: "RangeError",
    message: 'Cannot reach "ws://elsewhere.test/": this WebSocket reaches only "ws://game.test/" (socket.address)',
  });
  socket.send(Uint8Array.of(2), socket.address);
  assert.deepEqual(sent, [2]);
});

Deno.test("webSocket: a message as a view (Node's Buffer) delivers its own bytes, copied; an ArrayBuffer its bytes; text and errors are faults", () => {
  let onMessage = (_event: unknown) => {};
  let onError = (_event: unknown) => {};
  const ws: WebSocketLike = {
    readyState: 1,
    url: "ws://game.test/",
    send() {},
    close() {},
    addEventListener(type, listener) {
      if (type == "message") onMessage = listener;
      if (type == "error") onError = listener;
    },
  };
  const socket = webSocket(ws);
  const got: number[][] = [];
  const faults: unknown[] = [];
  socket.listen((data) => void got.push([...data]), (event) => {
    if (event.type == "error") faults.push(event.error instanceof Error ? event.error.message : event.error);
  });
  const pool = Uint8Array.of(9, 1, 2, 3, 9); // a Buffer is often a slice of a larger pool
  onMessage({ data: pool.subarray(1, 4) });
  pool[1] = 7; // the pool reused: what was delivered stays
  onMessage({ data: Uint8Array.of(4, 5).buffer });
  onMessage({ data: "hello" });
  const error = { type: "error" }; // a browser's WebSocket error event says no more
  onError(error);
  assert.deepEqual(got, [[1, 2, 3], [4, 5]]);
  assert.deepEqual(faults, ["A text message arrived where jamnet sends binary", error]);
});

Deno.test("webSocket given what is no WebSocket throws a TypeError at once, saying what it takes", () => {
  // Its URL, the options of a server, or nothing: "Cannot use 'in' operator to search for 'addEventListener'" before.
  for (const wrong of ["ws://127.0.0.1:8080", new URL("ws://127.0.0.1:8080"), { port: 8080 }, undefined]) {
    assert.throws(() => webSocket(wrong as unknown as WebSocketLike), {
      name: "TypeError",
      message: "webSocket() takes a WebSocket",
    });
  }
});

Deno.test("denoUdp given what is no datagram conn throws a TypeError at once, saying what it takes", () => {
  // A TCP listener, or the options meant for Deno.listenDatagram: `receive` is no function. Its TypeError was
  // counted as a fault and the next receive tried at once, with no await between: `new Host` never returned. Then
  // it rejected the receive loop, uncaught, and ended the process with "conn.receive is not a function".
  for (const wrong of [{ hostname: "127.0.0.1", port: 4000 }, undefined, { accept() {}, close() {} }]) {
    assert.throws(() => denoUdp(wrong as unknown as DenoDatagramConn), {
      name: "TypeError",
      message: "denoUdp() takes a Deno listenDatagram() socket",
    });
  }
});
