/**
 * `deno task bench:throughput`: throughput over real loopback (127.0.0.1),
 * jamnet against the raw socket in the same run. For each socket: payload
 * MB/s with 1,200-byte messages and messages/s with 32-byte ones, reliable and
 * ordered through two Hosts, and raw datagrams (WebSocket messages) sent as
 * fast as the same runtime allows, with the ratio. Each row runs 1 s.
 *
 * Hosts use packetsPerUpdate 32 and update back to back, yielding to the
 * event loop (setTimeout 0, about 1 ms) between updates so that receives run:
 * about 1,000 updates a second, as the raw sender sends 64 datagrams between
 * the same yields. (setImmediate starved UDP receives in Deno: 5k datagrams/s.)
 * 256 packets per update lost packets in bursts and ran slower. A game at
 * 60 Hz gets at most packetsPerUpdate × 60 packets a second.
 * The sender keeps at most 2 MB (or 20,000 messages) not yet delivered.
 *
 * @module
 */
import dgram from "node:dgram";
import { denoUdp, Host, nodeUdp, type Socket, webSocket, webSocketServer } from "../mod.ts";

const RUN_MS = 1000;
const PACKETS_PER_UPDATE = 32;
const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A connected pair: a raw sender, what the raw receiver counts, the two sockets for Hosts. */
interface Transport {
  name: string;
  /** Opens raw endpoints: `send` one message of `bytes`; `received` counts what arrived. */
  raw(): Promise<{ send(data: Uint8Array): void; received(): number; close(): Promise<void> | void }>;
  /** Opens two sockets for Hosts and the server's address as the client sends to it. */
  jamnet(): Promise<{ server: Socket; client: Socket; address: string; close?(): Promise<void> }>;
}

async function nodeBound(): Promise<dgram.Socket> {
  const udp = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
  return udp;
}

function denoBound(): Deno.DatagramConn {
  return Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
}

const port = (conn: Deno.DatagramConn) => (conn.addr as Deno.NetAddr).port;

function serveWebSockets(onSocket: (ws: WebSocket) => void) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    onSocket(socket);
    return response;
  });
}

const opened = (ws: WebSocket) => new Promise((resolve) => ws.addEventListener("open", resolve));

const transports: Transport[] = [
  {
    name: "nodeUdp",
    async raw() {
      const [a, b] = [await nodeBound(), await nodeBound()];
      let received = 0;
      b.on("message", () => received++);
      const to = b.address().port;
      let inFlight = 0;
      return {
        send(data) {
          if (inFlight > 256) return;
          inFlight++;
          a.send(data, to, "127.0.0.1", () => inFlight--);
        },
        received: () => received,
        close() {
          a.close();
          b.close();
        },
      };
    },
    async jamnet() {
      const [a, b] = [await nodeBound(), await nodeBound()];
      return { server: nodeUdp(b), client: nodeUdp(a), address: `127.0.0.1:${b.address().port}` };
    },
  },
  {
    name: "denoUdp",
    raw() {
      const [a, b] = [denoBound(), denoBound()];
      let received = 0;
      let open = true;
      (async () => {
        while (open) {
          await b.receive().catch(() => {});
          received++;
        }
      })();
      const to = { transport: "udp" as const, hostname: "127.0.0.1", port: port(b) };
      let inFlight = 0;
      return Promise.resolve({
        send(data: Uint8Array) {
          if (inFlight > 256) return;
          inFlight++;
          a.send(data, to).finally(() => inFlight--);
        },
        received: () => received,
        close() {
          open = false;
          a.close();
          b.close();
        },
      });
    },
    jamnet() {
      const [a, b] = [denoBound(), denoBound()];
      return Promise.resolve({ server: denoUdp(b), client: denoUdp(a), address: `127.0.0.1:${port(b)}` });
    },
  },
  {
    name: "WebSocket (Deno)",
    async raw() {
      let received = 0;
      const http = serveWebSockets((ws) => ws.addEventListener("message", () => received++));
      const ws = new WebSocket(`ws://127.0.0.1:${http.addr.port}/`);
      ws.binaryType = "arraybuffer";
      await opened(ws);
      return {
        // The sender waits while more than 4 MB are buffered, as the Hosts' window does.
        send: (data) => ws.bufferedAmount < 4 << 20 && ws.send(data),
        received: () => received,
        async close() {
          ws.close();
          await http.shutdown();
        },
      };
    },
    async jamnet() {
      const sockets = webSocketServer();
      const http = serveWebSockets((ws) => sockets.accept(ws));
      const ws = new WebSocket(`ws://127.0.0.1:${http.addr.port}/`);
      const client = webSocket(ws);
      await opened(ws);
      return { server: sockets, client, address: client.address, close: () => http.shutdown() };
    },
  },
];

/** Raw messages of `bytes` a second that arrived, sending 64 between yields. */
async function rawRate(transport: Transport, bytes: number): Promise<number> {
  const raw = await transport.raw();
  const data = new Uint8Array(bytes);
  const start = performance.now();
  while (performance.now() - start < RUN_MS) {
    for (let i = 0; i < 64; i++) raw.send(data);
    await yieldNow();
  }
  const rate = raw.received() / ((performance.now() - start) / 1000);
  await raw.close();
  return rate;
}

/** Reliable ordered messages of `bytes` a second delivered from one Host to another. */
async function jamnetRate(transport: Transport, bytes: number): Promise<number> {
  const { server: serverSocket, client: clientSocket, address, close } = await transport.jamnet();
  const options = { packetsPerUpdate: PACKETS_PER_UPDATE, maxEvents: 1 << 20, maxQueuedBytes: 16 << 20 };
  const server = new Host(serverSocket, options);
  const client = new Host(clientSocket, options);
  const peer = client.connect(address);
  while (peer.state !== "connected") {
    client.update();
    server.update();
    while (server.poll());
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  // A Uint8Array packs with a 2 or 3-byte header: the payload is `bytes` after packing.
  const message = new Uint8Array(bytes - (bytes < 256 ? 2 : 3));
  const window = Math.min(20_000, (2 << 20) / bytes);
  let sent = 0;
  let delivered = 0;
  const start = performance.now();
  while (performance.now() - start < RUN_MS) {
    for (; sent - delivered < window; sent++) peer.send(message);
    client.update();
    server.update();
    for (let event; (event = server.poll());) if (event.type === "message") delivered++;
    await yieldNow();
  }
  const rate = delivered / ((performance.now() - start) / 1000);
  client.close();
  server.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await close?.();
  return rate;
}

const format = (value: number, digits = 1) =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

console.log(`jamnet throughput over 127.0.0.1, ${RUN_MS} ms a row, packetsPerUpdate ${PACKETS_PER_UPDATE}`);
console.log("| socket | 1,200-byte raw MB/s | jamnet MB/s | ratio | 32-byte raw msg/s | jamnet msg/s | ratio |");
console.log("|---|--:|--:|--:|--:|--:|--:|");
for (const transport of transports) {
  const rawBig = await rawRate(transport, 1200) * 1200 / 1e6;
  const jamnetBig = await jamnetRate(transport, 1200) * 1200 / 1e6;
  const rawSmall = await rawRate(transport, 32);
  const jamnetSmall = await jamnetRate(transport, 32);
  console.log(
    `| ${transport.name} | ${format(rawBig)} | ${format(jamnetBig)} | ${format(jamnetBig / rawBig, 2)} | ${
      format(rawSmall / 1000, 0)
    }k | ${format(jamnetSmall / 1000, 0)}k | ${format(jamnetSmall / rawSmall, 2)} |`,
  );
}
