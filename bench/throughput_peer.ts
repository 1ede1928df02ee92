/**
 * One end of a `bench/throughput.ts` run, in its own process: the receiver
 * or the sender of one cell (a socket kind, raw or jamnet, one message size
 * and MTU). bench/throughput.ts starts both and reads what they print; run
 * alone it does nothing useful.
 *
 *     deno run -A bench/throughput_peer.ts receive '<cell as JSON>'
 *     deno run -A bench/throughput_peer.ts send '<cell as JSON>' <address>
 *
 * The receiver prints `{"address": …}` once it listens, then counts what
 * arrives (messages, and payload bytes: the message's own bytes, not the
 * packing or the headers) until its stdin closes, and prints its counts as
 * one JSON line. The rate is measured over `runMs`, starting `warmupMs` after
 * the first arrival, between two snapshots of the counters taken with their
 * own timestamps. The sender sends as fast as the flow control lets it for
 * `warmupMs + runMs + SENDER_MARGIN_MS` and prints what it sent.
 *
 * @module
 */
import dgram from "node:dgram";
import { resolve } from "node:path";
import { setImmediate } from "node:timers";
import { pathToFileURL } from "node:url";
import type { Socket } from "../mod.ts";

// JAMNET_MODULE=path runs another copy of mod.ts (a candidate change) in place of ../mod.ts.
const modulePath = Deno.env.get("JAMNET_MODULE");
const jamnet: typeof import("../mod.ts") = await import(
  modulePath ? pathToFileURL(resolve(modulePath)).href : "../mod.ts"
);
const { denoUdp, Host, nodeUdp, webSocket, webSocketServer } = jamnet;

/** What one process of a cell does; bench/throughput.ts builds it. */
export interface Cell {
  transport: "nodeUdp" | "denoUdp" | "webSocket";
  kind: "raw" | "jamnet";
  /** Bytes of each message: the raw datagram's length, or the jamnet message's Uint8Array length. */
  messageBytes: number;
  /** jamnet's HostOptions.mtu. */
  mtu: number;
  packetsPerUpdate: number;
  /**
   * How a loop gives the event loop a turn: "wake" (setImmediate while the
   * last turn did work, else sleep until a datagram arrives or 1 ms passes),
   * or after every turn "immediate" (setImmediate), "channel" (a
   * MessageChannel message), "timeout" (setTimeout 0).
   */
  yield: "wake" | "immediate" | "channel" | "timeout";
  /** Raw UDP: datagrams sent and not yet reported received that the sender allows (its window). */
  rawWindow: number;
  warmupMs: number;
  runMs: number;
}

/** What the receiver prints at the end. */
export interface Received {
  /** Messages and payload bytes per second over the measured window; 0 when the window never closed. */
  messagesPerSecond: number;
  bytesPerSecond: number;
  /** Every message that arrived, in or out of the window. */
  messages: number;
  /** Receiver-side work: updates run (jamnet) and the Host's stats at the end. */
  updates: number;
  stats?: Record<string, number>;
  /** The first message out of order, if any (jamnet carries an index in each message). */
  misorder?: string;
}

/** What the sender prints at the end. */
export interface Sent {
  /** Messages handed to the socket or to `peer.send`. */
  messages: number;
  updates: number;
  /** Raw UDP: windows written off as lost after STALL_MS without a report. */
  stalls: number;
  stats?: Record<string, number>;
}

/** The sender runs this long past the receiver's window, for the startup of two processes. */
const SENDER_MARGIN_MS = 700;
/** Raw UDP: the receiver reports its count back after every this many datagrams. */
const REPORT_EVERY = 16;
/** Raw UDP: with no report for this long, the sender counts its window lost and goes on. */
const STALL_MS = 20;
/** WebSocket: the sender waits while more than this is buffered, raw and jamnet alike. */
const WEBSOCKET_BUFFERED_BYTES = 1 << 20;

const [role, cellJson, target] = Deno.args;
const cell = JSON.parse(cellJson) as Cell;

/** Wakes a loop that sleeps in `yieldNow(false)` (yield "wake"): called for every datagram that arrives. */
let wake = () => {};
const yieldNow = makeYield(cell.yield);

/** A turn of the event loop; `busy` is false when the last turn did nothing and the loop may sleep. */
function makeYield(kind: Cell["yield"]): (busy: boolean) => Promise<void> {
  if (kind === "wake") {
    let sleeping: (() => void) | undefined;
    wake = () => {
      const resolve = sleeping;
      sleeping = undefined;
      resolve?.();
    };
    return (busy) =>
      new Promise((resolve) => {
        if (busy) return setImmediate(resolve);
        const timer = setTimeout(wake, 1);
        sleeping = () => {
          clearTimeout(timer);
          resolve();
        };
      });
  }
  if (kind === "timeout") return () => new Promise((resolve) => setTimeout(resolve, 0));
  if (kind === "immediate") return () => new Promise((resolve) => setImmediate(resolve));
  const channel = new MessageChannel();
  let waiting: (() => void) | undefined;
  channel.port1.onmessage = () => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.();
  };
  return () =>
    new Promise((resolve) => {
      waiting = resolve;
      channel.port2.postMessage(0);
    });
}

const print = (value: unknown) => console.log(JSON.stringify(value));

/** Resolves when stdin closes: bench/throughput.ts closes it once the sender is done. */
async function stdinClosed(): Promise<void> {
  for await (const _ of Deno.stdin.readable) {
    // nothing is written; only the end matters
  }
}

/**
 * Counts arrivals and snapshots the counters when the measured window opens and closes. The clock is read
 * as arrivals are counted, not by timers: a flood of WebSocket messages starves timers for seconds.
 */
function counter() {
  let messages = 0;
  let bytes = 0;
  let firstAt = -1;
  const marks: { at: number; messages: number; bytes: number }[] = [];
  return {
    add(count: number, payloadBytes: number) {
      const now = performance.now();
      if (firstAt < 0) firstAt = now;
      const due = marks.length === 0
        ? firstAt + cell.warmupMs
        : marks.length === 1
        ? marks[0].at + cell.runMs
        : Infinity;
      if (now >= due) marks.push({ at: now, messages, bytes });
      messages += count;
      bytes += payloadBytes;
    },
    result(extra: Partial<Received> = {}): Received {
      const [start, end] = marks;
      const seconds = end ? (end.at - start.at) / 1000 : Infinity;
      return {
        messagesPerSecond: end ? (end.messages - start.messages) / seconds : 0,
        bytesPerSecond: end ? (end.bytes - start.bytes) / seconds : 0,
        messages,
        updates: 0,
        ...extra,
      };
    },
  };
}

function nodeBound(): Promise<dgram.Socket> {
  const udp = dgram.createSocket("udp4");
  return new Promise((resolve) => udp.bind(0, "127.0.0.1", () => resolve(udp)));
}

function denoBound(): Deno.DatagramConn {
  return Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
}

const denoPort = (conn: Deno.DatagramConn) => (conn.addr as Deno.NetAddr).port;

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

// ─── Raw sockets ────────────────────────────────────────────────────────────

/** A raw UDP endpoint as the two roles use it, over node:dgram or Deno.listenDatagram. */
interface RawUdp {
  port: number;
  send(data: Uint8Array, to: string): void;
  onMessage(listener: (data: Uint8Array, from: string) => void): void;
  close(): void;
}

async function rawUdp(): Promise<RawUdp> {
  if (cell.transport === "nodeUdp") {
    const udp = await nodeBound();
    return {
      port: udp.address().port,
      send(data, to) {
        const [hostname, port] = splitAddress(to);
        udp.send(data, port, hostname);
      },
      onMessage(listener) {
        udp.on("message", (data, from) => listener(data, `${from.address}:${from.port}`));
      },
      close: () => udp.close(),
    };
  }
  const conn = denoBound();
  let open = true;
  return {
    port: denoPort(conn),
    send(data, to) {
      const [hostname, port] = splitAddress(to);
      conn.send(data, { transport: "udp", hostname, port }).catch(() => {});
    },
    async onMessage(listener) {
      while (open) {
        try {
          const [data, from] = await conn.receive();
          listener(data, `${(from as Deno.NetAddr).hostname}:${(from as Deno.NetAddr).port}`);
        } catch {
          if (!open) break;
        }
      }
    },
    close() {
      open = false;
      conn.close();
    },
  };
}

async function receiveRawUdp(): Promise<Received> {
  const udp = await rawUdp();
  const count = counter();
  const report = new Uint8Array(4);
  let received = 0;
  udp.onMessage((data, from) => {
    received++;
    count.add(1, data.length);
    if (received % REPORT_EVERY) return;
    new DataView(report.buffer).setUint32(0, received);
    udp.send(report, from);
  });
  print({ address: `127.0.0.1:${udp.port}` });
  await stdinClosed();
  udp.close();
  return count.result();
}

/** Sends while fewer than rawWindow datagrams are unreported; a window with no report for STALL_MS is lost. */
async function sendRawUdp(to: string, deadline: number): Promise<Sent> {
  const udp = await rawUdp();
  let reported = 0;
  let lastReportAt = performance.now();
  udp.onMessage((data) => {
    const count = new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
    if (count > reported) {
      reported = count;
      lastReportAt = performance.now();
      wake();
    }
  });
  const data = new Uint8Array(cell.messageBytes);
  let sent = 0;
  let writtenOff = 0;
  let stalls = 0;
  let updates = 0;
  for (let now = performance.now(); now < deadline; now = performance.now()) {
    if (sent - reported - writtenOff >= cell.rawWindow && now - lastReportAt > STALL_MS) {
      writtenOff = sent - reported;
      lastReportAt = now;
      stalls++;
    }
    const before = sent;
    for (; sent - reported - writtenOff < cell.rawWindow; sent++) udp.send(data, to);
    updates++;
    await yieldNow(sent > before);
  }
  udp.close();
  return { messages: sent, updates, stalls };
}

function serveWebSockets(onSocket: (ws: WebSocket) => void): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    onSocket(socket);
    return response;
  });
}

function opened(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.addEventListener("open", resolve));
}

async function receiveRawWebSocket(): Promise<Received> {
  const count = counter();
  const http = serveWebSockets((ws) => {
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (event) => count.add(1, (event.data as ArrayBuffer).byteLength));
  });
  print({ address: `127.0.0.1:${http.addr.port}` });
  await stdinClosed();
  await http.shutdown();
  return count.result();
}

async function sendRawWebSocket(to: string, deadline: number): Promise<Sent> {
  const ws = new WebSocket(`ws://${to}/`);
  ws.binaryType = "arraybuffer";
  await opened(ws);
  const data = new Uint8Array(cell.messageBytes);
  let sent = 0;
  let updates = 0;
  while (performance.now() < deadline) {
    const before = sent;
    for (; ws.bufferedAmount < WEBSOCKET_BUFFERED_BYTES; sent++) ws.send(data);
    updates++;
    await yieldNow(sent > before);
  }
  ws.close();
  return { messages: sent, updates, stalls: 0 };
}

// ─── jamnet ─────────────────────────────────────────────────────────────────

/** Wakes the loop (yield "wake") whenever a datagram reaches the Host. */
function waking(socket: Socket, afterReceive = () => {}): Socket {
  const listen = socket.listen.bind(socket);
  socket.listen = (receive, notify) =>
    listen((data, from) => {
      receive(data, from);
      afterReceive();
      wake();
    }, notify);
  return socket;
}

const hostOptions = () => ({
  mtu: cell.mtu,
  packetsPerUpdate: cell.packetsPerUpdate,
  // The receiver polls every event each loop; this only keeps a slow poll from refusing packets.
  maxEvents: 1 << 20,
});

async function receiveJamnet(): Promise<Received> {
  let socket: Socket;
  let address: string;
  let stop = async () => {};
  if (cell.transport === "webSocket") {
    const sockets = webSocketServer();
    const http = serveWebSockets((ws) => sockets.accept(ws));
    socket = sockets;
    address = `127.0.0.1:${http.addr.port}`;
    stop = () => http.shutdown();
  } else if (cell.transport === "nodeUdp") {
    const udp = await nodeBound();
    socket = nodeUdp(udp);
    address = `127.0.0.1:${udp.address().port}`;
  } else {
    const conn = denoBound();
    socket = denoUdp(conn);
    address = `127.0.0.1:${denoPort(conn)}`;
  }
  const count = counter();
  let updates = 0;
  let expected = 0;
  let misorder: string | undefined;
  /** Polls every event and counts the messages. */
  const drain = () => {
    let messages = 0;
    for (let event; (event = host.poll());) {
      if (event.type !== "message") continue;
      const data = event.data as Uint8Array;
      // Each message carries its index in its first 4 bytes: order and completeness are checked as it runs.
      const index = (data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3]) >>> 0;
      if ((index !== expected || data.length !== cell.messageBytes) && !misorder) {
        misorder = `message ${expected} of ${cell.messageBytes} bytes was due, ${index} of ${data.length} arrived`;
      }
      expected++;
      messages++;
    }
    if (messages) count.add(messages, messages * cell.messageBytes);
    return messages;
  };
  // Events are polled after every datagram too: a WebSocket delivers many messages between two turns of
  // the loop, and the event queue must stay short (poll() shifts an array; see the module doc).
  const host: InstanceType<typeof Host> = new Host(waking(socket, () => drain()), hostOptions());
  let done = false;
  stdinClosed().then(() => done = true);
  print({ address });
  while (!done) {
    host.update();
    updates++;
    await yieldNow(drain() > 0);
  }
  const stats = { ...host.stats };
  host.close();
  await stop();
  return count.result({ updates, stats, misorder });
}

async function sendJamnet(to: string, deadline: number): Promise<Sent> {
  let socket: Socket;
  let address = to;
  let ws: WebSocket | undefined;
  if (cell.transport === "webSocket") {
    ws = new WebSocket(`ws://${to}/`);
    const client = webSocket(ws);
    socket = client;
    address = client.address;
    await opened(ws);
  } else if (cell.transport === "nodeUdp") {
    socket = nodeUdp(await nodeBound());
  } else {
    socket = denoUdp(denoBound());
  }
  const host = new Host(waking(socket), hostOptions());
  const peer = host.connect(address);
  while (peer.state === "connecting" && performance.now() < deadline) {
    host.update();
    while (host.poll());
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  let sent = 0;
  let updates = 0;
  const message = new Uint8Array(cell.messageBytes);
  while (performance.now() < deadline) {
    // Keep the queue full: send until maxQueuedBytes (4 MiB) refuses. A WebSocket acks nothing, so its
    // queue empties as packets leave; there the sender waits on bufferedAmount as the raw one does.
    if (!ws || ws.bufferedAmount < WEBSOCKET_BUFFERED_BYTES) {
      try {
        for (let i = 0; i < 65536 && !(ws && i * cell.messageBytes > WEBSOCKET_BUFFERED_BYTES); i++) {
          message[0] = sent >>> 24;
          message[1] = sent >>> 16;
          message[2] = sent >>> 8;
          message[3] = sent;
          peer.send(message);
          sent++;
        }
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
      }
    }
    const packetsBefore = host.stats.packetsSent;
    host.update();
    updates++;
    while (host.poll());
    await yieldNow(host.stats.packetsSent > packetsBefore);
  }
  const stats = { ...peer.stats };
  host.close();
  return { messages: sent, updates, stalls: 0, stats };
}

// ─── Main ───────────────────────────────────────────────────────────────────

if (role === "receive") {
  const udp = cell.transport !== "webSocket";
  const result = cell.kind === "jamnet"
    ? await receiveJamnet()
    : udp
    ? await receiveRawUdp()
    : await receiveRawWebSocket();
  print(result);
} else {
  const deadline = performance.now() + cell.warmupMs + cell.runMs + SENDER_MARGIN_MS;
  const udp = cell.transport !== "webSocket";
  const result = cell.kind === "jamnet"
    ? await sendJamnet(target, deadline)
    : udp
    ? await sendRawUdp(target, deadline)
    : await sendRawWebSocket(target, deadline);
  print(result);
}
Deno.exit(0);
