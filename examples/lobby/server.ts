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
import { LOBBY_HOST_BOUNDS, ReceiveAllowance } from "./allowance.ts";
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
   * Options of both Hosts (maxPeers, timeout), over {@linkcode LOBBY_HOST_BOUNDS}: 160 KiB messages, 512 KiB queued,
   * one timed message, one channel, unless given. `maxTimedMessages`: no client of a lobby times its requests, and a Host
   * holds each timed message unpacked until its time, so at mod.ts's default (4,096) one stranger's messages of 1 MiB
   * timed 9 s ahead were held by the thousand (in the arena's lobby, 100 of them took 4.2 GB and 26 s of the thread: a
   * review, 2026-12-06). `channels`: the lobby's requests and answers use the first alone, and every channel takes
   * "state" frames and keeps 32 states of up to `maxMessageBytes` (rebuilt from deltas of a few bytes), so the default 8
   * let one client make a Host keep up to 256 MiB. `maxMessageBytes`: 32 states of 1 MiB, mod.ts's default, were 32 MiB
   * a client (1 GiB for the 32 clients of an address); 5 MiB now. A relay's data is then at most about 160 KiB a
   * message, and `maxRelayBytesPerSecond` a second as before. Give a client's Host the same bounds, as mod.ts asks of
   * both sides: what these Hosts hold of one message is 1,088 KiB with 256 bytes a piece of 1,175, so from a client on
   * mod.ts's defaults a request past about 910 KB is never answered: its WebSocket is closed, or over UDP the
   * connection stalls until it times out. A smaller one too large to relay is answered with an error.
   */
  hostOptions?: HostOptions;
  /**
   * Bytes one IP address may send a second in WebSocket messages, with a second of it at once (default
   * `maxRelayBytesPerSecond` + 64 KiB, 1,114,112): counted before the Host parses a byte of them (see ./allowance.ts).
   * Past it a WebSocket is closed, its message unread. Not UDP: a datagram's sender is known only once the Host has
   * checked its tag, and counted before, junk from the player's IP (spoofed, or a neighbour's behind one NAT) spent the
   * player's allowance and had its own datagrams dropped until its connection ended (a review, 2026-12-06); over UDP
   * the Hosts' bounds (LOBBY_HOST_BOUNDS) hold the memory, not the thread. The Hosts unpack every message before the
   * lobby's own allowances see it: four WebSocket clients of one address sending 100 KB messages of empty bins for 10
   * s, each opening a new WebSocket whenever one closed, stalled the server 29 s and grew it to 7.4 GB; with the
   * allowance 2.9 s of its thread in 13 s, 479 ms at once in the first seconds and 64 ms after (medians of 3; /tmp/lobbyatk,
   * 2026-12-06). An honest client sends far less, measured as its Host's bytes sent a second over 7 s on 127.0.0.1
   * (medians): 46 idle in a room; 8.6 KB relaying 100 bytes 60 times a second (UDP or WebSocket); 1,042,822 relaying
   * 17,400 bytes 60 times a second, the relay allowance, which this one admits with its requests (240 a second at about
   * 45 bytes of header each: 11 KB) and the other clients of its address. Infinity: no bound.
   */
  receiveBytesPerSecond?: number;
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
    receiveBytesPerSecond = (options.maxRelayBytesPerSecond ?? 1 << 20) + (64 << 10),
    ...lobbyOptions
  } = options;
  const udp = await udpSocket(port, hostname);
  const sockets = webSocketServer();
  /** One whose remote stops reading is closed, checked every tick (see stalled.ts). */
  const stalled = new StalledWatch(undefined, maxHeldPerAddress, undefined, heldMs, maxClosingPerAddress);
  /** Each address's bytes a second over WebSocket, counted before the Host sees them (see allowance.ts). */
  const allowance = new ReceiveAllowance(receiveBytesPerSecond, (socket) => stalled.close(socket));
  /** One with no peer, never handshaken or its peer ended, is closed, checked every tick too (see stalled.ts). */
  const peerless = new PeerWatch(handshakeWaitMs, undefined, stalled);
  const sweeper = setInterval(() => {
    stalled.sweep();
    peerless.sweep();
    allowance.sweep();
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
    allowance.add(socket, ip); // before accept: its listener goes first
    sockets.accept(socket, address);
    peerless.add(socket, hosts[1], address);
    return response;
  });
  const hosts = [udp, sockets].map((socket) => new Host(socket, { ...LOBBY_HOST_BOUNDS, ...hostOptions }));
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
