/**
 * Runs a lobby for UDP and WebSocket players at once, from one room directory:
 * `deno run -A examples/lobby/server.ts [port] [kv-file]`. UDP players
 * connect to `127.0.0.1:port`, browsers to `ws://127.0.0.1:port` (TCP and UDP
 * ports are separate, so one number serves both). With a KV file
 * (`--unstable-kv` is set in deno.json), several lobby processes share one
 * room directory (see ./kv.ts). It prints a line for every room created or
 * closed and every join and leave. Stop it with Ctrl-C.
 *
 * @module
 */
import { Host, type HostOptions, webSocketServer } from "../../mod.ts";
import { kvStore, unlocked } from "./kv.ts";
import { Lobby, type LobbyOptions, memoryStore } from "./lobby.ts";
import { PeerWatch, StalledWatch, upgradeOr400 } from "./stalled.ts";
import { udpSocket } from "./udp.ts";

/** Options of {@linkcode startLobbyServer}. */
export interface LobbyServerOptions extends LobbyOptions {
  /** The UDP and WebSocket port (default 7000); 0 picks a free one for each. */
  port?: number;
  /** The local address (default `"127.0.0.1"`). */
  hostname?: string;
  /**
   * Options of both Hosts (maxPeers, timeout). `maxTimedMessages` is 1 unless given: no client of a lobby times its
   * requests, and a Host holds each timed message unpacked until its time, so at mod.ts's default (4,096) one stranger's
   * messages of 1 MiB timed 9 s ahead were held by the thousand (in the arena's lobby, 100 of them took 4.2 GB and 26 s
   * of the thread: a review, 2026-12-06). `channels` is 1 unless given: the lobby's requests and answers use the first
   * alone, and every channel takes "state" frames and keeps 32 states of up to `maxMessageBytes` (rebuilt from deltas
   * of a few bytes), so the default 8 let one client make a Host keep up to 256 MiB (32 with one).
   */
  hostOptions?: HostOptions;
  /** ms between the lobby's updates (default 16). */
  tickMs?: number;
  /** ms a WebSocket has to finish jamnet's handshake before it is closed (default 10,000, a connect()'s timeout). */
  handshakeWaitMs?: number;
  /**
   * WebSockets of one IP address that ended with bytes unread and that Deno may still hold (default 4, see
   * stalled.ts): past it, a new WebSocket from there gets a 429.
   */
  maxHeldPerAddress?: number;
  /** ms such a WebSocket counts against its address at most (default 10 minutes, see stalled.ts). */
  heldMs?: number;
  /**
   * WebSockets of one IP address the server closed (no peer there) whose remote has not answered the close (default
   * 32, see stalled.ts): past it, a new WebSocket from there gets a 429.
   */
  maxClosingPerAddress?: number;
}

/** A running lobby server: where players connect, and how to stop it. */
export interface LobbyServer {
  /** The lobby, serving both Hosts. */
  readonly lobby: Lobby;
  /** `"127.0.0.1:7000"`: where UDP players connect. */
  readonly udpAddress: string;
  /** `"ws://127.0.0.1:7000"`: where WebSocket players (browsers) connect. */
  readonly webSocketUrl: string;
  /** Closes both Hosts and the HTTP server. */
  close(): Promise<void>;
}

/**
 * Starts a lobby on UDP and on WebSocket (`Deno.serve` and
 * `Deno.upgradeWebSocket` into {@linkcode webSocketServer}): two sockets, two
 * Hosts, one Lobby and so one room directory.
 *
 * @param options the port, the Hosts' options and the lobby's
 * @returns the running server
 */
export async function startLobbyServer(options: LobbyServerOptions = {}): Promise<LobbyServer> {
  const {
    port = 7000,
    hostname = "127.0.0.1",
    hostOptions = {},
    tickMs = 16,
    handshakeWaitMs = 10_000,
    maxHeldPerAddress,
    heldMs,
    maxClosingPerAddress,
    ...lobbyOptions
  } = options;
  const udp = await udpSocket(port, hostname);
  const sockets = webSocketServer();
  /** One whose remote stops reading is closed, checked every tick (see stalled.ts). */
  const stalled = new StalledWatch(undefined, maxHeldPerAddress, undefined, heldMs, maxClosingPerAddress);
  /** One with no peer, never handshaken or its peer ended, is closed, checked every tick too (see stalled.ts). */
  const peerless = new PeerWatch(handshakeWaitMs, undefined, stalled);
  const sweeper = setInterval(() => {
    stalled.sweep();
    peerless.sweep();
  }, tickMs);
  // Deno.serve is listening when it returns; onListen is silenced, the lobby prints its own line.
  const http = Deno.serve({ hostname, port, onListen: () => {} }, (request, info) => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("A jamnet lobby: connect with a WebSocket, or over UDP on this port.\n", { status: 426 });
    }
    // The address is read before the upgrade, which closes the request.
    const { hostname: ip, port: remotePort } = info.remoteAddr;
    const address = `${ip}:${remotePort}`;
    // One whose WebSockets stopped reading and are held still (see stalled.ts) gets no more.
    if (!stalled.admits(ip)) {
      return new Response("Too many of this address's WebSockets are held unread or unanswered\n", { status: 429 });
    }
    const upgraded = upgradeOr400(request);
    if (upgraded instanceof Response) return upgraded;
    const { socket, response } = upgraded;
    stalled.add(socket, ip);
    sockets.accept(socket, address);
    peerless.add(socket, hosts[1], address);
    return response;
  });
  const hosts = [udp, sockets].map((socket) => new Host(socket, { maxTimedMessages: 1, channels: 1, ...hostOptions }));
  const lobby = new Lobby(hosts, lobbyOptions);
  const stop = new AbortController();
  const running = lobby.run(tickMs, stop.signal);
  return {
    lobby,
    udpAddress: udp.address,
    webSocketUrl: `ws://${hostname}:${http.addr.port}`,
    async close() {
      stop.abort();
      clearInterval(sweeper);
      await running;
      for (const host of hosts) host.close();
      await http.shutdown();
    },
  };
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? 7000);
  const kvPath = Deno.args[1];
  // Opened as every KV call is, again while SQLite says "database is locked": two lobbies started at once on a new
  // file met it here (a CI run, 2026-12-05).
  const store = kvPath ? kvStore(await unlocked(() => Deno.openKv(kvPath))) : memoryStore();
  // 32 clients from one machine at most (its addresses are the clients' own): one cannot take the 4,096 seats.
  const server = await startLobbyServer({
    port,
    store,
    hostOptions: { maxPeers: 4096 },
    maxClientsPerAddress: 32,
    log: console.log,
  });
  console.log(
    `lobby on udp ${server.udpAddress} and ${server.webSocketUrl}, rooms in ${
      kvPath ? `Deno KV at ${kvPath}` : "memory"
    }`,
  );
  Deno.addSignalListener("SIGINT", () => server.close().then(() => Deno.exit(0)));
}
