/**
 * `deno task bench:lobby`: the lobby under load on 127.0.0.1. The lobby runs
 * in a child process of its own (this file with `--lobby`, examples/lobby/
 * server.ts's UDP and WebSocket server), which reports its memory, rooms and
 * clients every 250 ms. 1,000 clients over UDP and 200 over WebSocket, each
 * with its own socket and Host, run in this process at once, sharing rooms:
 * a quarter create rooms of 4, the rest
 * list and join one with space; then every tenth client vanishes without a
 * word while the others leave and disconnect. It reports requests answered per
 * second, refusals and the lobby's memory, and checks that every request was
 * answered and that the timeouts (3 s here) leave no room and no client
 * behind. Bounded: it gives up after 60 s.
 *
 * @module
 */
import { Host, webSocket } from "../mod.ts";
import { LobbyClient, memoryStore, type RoomSummary } from "../examples/lobby/lobby.ts";
import { startLobbyServer } from "../examples/lobby/server.ts";
import { udpSocket } from "../examples/lobby/udp.ts";

const UDP_CLIENTS = Number(Deno.env.get("UDP_CLIENTS") ?? 1000);
const WEBSOCKET_CLIENTS = Number(Deno.env.get("WEBSOCKET_CLIENTS") ?? 200);
const CLIENTS = UDP_CLIENTS + WEBSOCKET_CLIENTS;
const TICK_MS = 10;
const TIMEOUT_MS = Number(Deno.env.get("TIMEOUT_MS") ?? 3000);
const deadline = performance.now() + 60_000;

/** What the lobby process says of itself: its address once, then its state every 250 ms. */
interface LobbyReport {
  address: string;
  webSocketUrl: string;
  heapUsed: number;
  rss: number;
  rooms: number;
  clients: number;
  /** The longest time between two updates so far. */
  longestGapMs: number;
}

if (Deno.args[0] === "--lobby") {
  const store = memoryStore();
  const server = await startLobbyServer({
    port: 0,
    store,
    maxRooms: CLIENTS,
    hostOptions: { maxPeers: CLIENTS + 16, timeout: TIMEOUT_MS },
    tickMs: TICK_MS,
  });
  const lobby = server.lobby;
  let reportedAt = 0;
  let lastLoop = performance.now();
  let longestGapMs = 0;
  while (performance.now() < deadline) {
    longestGapMs = Math.max(longestGapMs, performance.now() - lastLoop);
    lastLoop = performance.now();
    if (performance.now() - reportedAt >= 250) {
      reportedAt = performance.now();
      const { heapUsed, rss } = Deno.memoryUsage();
      const rooms = (await store.list(CLIENTS)).length;
      const report: LobbyReport = {
        address: server.udpAddress,
        webSocketUrl: server.webSocketUrl,
        heapUsed,
        rss,
        rooms,
        clients: lobby.clients,
        longestGapMs,
      };
      console.log(JSON.stringify(report));
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  Deno.exit(0);
}

const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL(import.meta.url).pathname, "--lobby"],
  env: { CLIENTS: String(CLIENTS) },
  stdout: "piped",
}).spawn();
const reports: LobbyReport[] = [];
const reading = (async () => {
  let buffered = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    for (let newline; (newline = buffered.indexOf("\n")) >= 0; buffered = buffered.slice(newline + 1)) {
      reports.push(JSON.parse(buffered.slice(0, newline)));
    }
  }
})();
while (!reports.length) await new Promise((resolve) => setTimeout(resolve, 10));
const memoryAtStart = reports[0];
let answered = 0;
let refused = 0;
let pending = 0;
const refusals = new Map<string, number>();
/** A request counted: answered (or refused) is one operation. */
async function ask(
  client: LobbyClient,
  request: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  pending++;
  try {
    return await client.request(request);
  } catch (error) {
    refused++;
    const reason = (error as Error).message.replace(/[0-9a-f]{8}/g, "…");
    refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
    return undefined;
  } finally {
    pending--;
    answered++;
  }
}

/** One simulated player. */
interface Player {
  host: Host;
  lobby: LobbyClient;
  vanished: boolean;
  webSocket: boolean;
}
const clients: Player[] = [];
let running = true;
let longestTickGapMs = 0;
const ticking = (async () => {
  for (let last = performance.now(); running && performance.now() < deadline; last = performance.now()) {
    for (const client of clients) {
      if (client.vanished) continue;
      client.host.update();
      for (let event; (event = client.host.poll());) client.lobby.handle(event);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    longestTickGapMs = Math.max(longestTickGapMs, performance.now() - last);
  }
})();

// WebSocket players are every sixth, spread among the UDP ones, so that the two kinds share rooms. They
// connect in waves of 100 every 100 ms: 1,200 handshakes in one burst overflow the lobby's UDP receive
// buffer on a loaded 2-core machine, and the bench measures the lobby, not that burst.
for (let first = 0; first < CLIENTS; first += 100) {
  clients.push(
    ...await Promise.all(Array.from({ length: Math.min(100, CLIENTS - first) }, async (_, j): Promise<Player> => {
      const i = first + j;
      if (i % 6 === 5 && i / 6 < WEBSOCKET_CLIENTS) {
        const socket = webSocket(new WebSocket(memoryAtStart.webSocketUrl));
        const host = new Host(socket, { timeout: TIMEOUT_MS });
        return { host, lobby: new LobbyClient(host.connect(socket.address)), vanished: false, webSocket: true };
      }
      const host = new Host(await udpSocket(), { timeout: TIMEOUT_MS });
      return { host, lobby: new LobbyClient(host.connect(memoryAtStart.address)), vanished: false, webSocket: false };
    })),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
}
while (clients.some((client) => client.lobby.peer.state === "connecting") && performance.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, TICK_MS));
}
const connected = clients.filter((client) => client.lobby.peer.state === "connected").length;

const start = performance.now();
await Promise.all(clients.map(async (client, i) => {
  if (i % 4 === 0) {
    await ask(client.lobby, { op: "create", name: `room ${i}`, maxPlayers: 4, meta: { mode: "ffa" } });
  } else {
    for (let tries = 0; tries < 5; tries++) {
      const listed = await ask(client.lobby, { op: "list" });
      const open = (listed?.rooms as RoomSummary[] ?? []).filter((room) => room.players < room.maxPlayers);
      if (open.length && await ask(client.lobby, { op: "join", room: open[i % open.length].id })) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}));
const joinedAt = performance.now();

// Every tenth client vanishes; the others leave (when still in a room) and disconnect.
await Promise.all(clients.map(async (client, i) => {
  if (i % 10 === 9) client.vanished = true;
  else if (i !== 1) await ask(client.lobby, { op: "leave" });
}));
const operationsDone = performance.now();
const operations = answered;
for (const [i, client] of clients.entries()) if (i % 10 !== 9 && i !== 1) client.host.close();

// Client 1 stays to watch the directory empty as the vanished ones time out.
let roomsLeft = Infinity;
while (
  performance.now() < deadline && clients[1].lobby.peer.state === "connected" &&
  (roomsLeft > 0 || reports.at(-1)!.clients > 1)
) {
  roomsLeft = ((await ask(clients[1].lobby, { op: "list" }))?.rooms as RoomSummary[] ?? []).length;
}
const cleanedAt = performance.now();
running = false;
await ticking;
for (const client of clients) client.host.close();
// The busiest moment: the most clients connected (the latest such report).
const peak = reports.reduce((most, report) => report.clients >= most.clients ? report : most);
const heapPeak = Math.max(...reports.map((report) => report.heapUsed));
const last = reports.at(-1)!;
child.kill();
await reading.catch(() => {});
await child.status;

console.log(
  `${clients.filter((client) => !client.webSocket).length} clients over UDP and ${
    clients.filter((client) => client.webSocket).length
  } over WebSocket at once on 127.0.0.1, one lobby in a process of its own (Deno ${Deno.version.deno})\n`,
);
console.log("| measure | value |");
console.log("|---|---:|");
console.log(`| clients connected at once | ${connected} of ${CLIENTS} |`);
console.log(`| requests answered (create, list, join, leave) | ${operations} |`);
console.log(`| of them refused (a room filled first, or already left) | ${refused} |`);
console.log(
  `| requests per second, all connected and joined | ${(operations / ((operationsDone - start) / 1000)).toFixed(0)} |`,
);
console.log(`| time to create, list and join | ${((joinedAt - start) / 1000).toFixed(2)} s |`);
console.log(`| requests never answered | ${pending} |`);
console.log(`| rooms left after the timeouts | ${roomsLeft} |`);
console.log(`| clients left in the lobby (the watcher) | ${last.clients} |`);
console.log(
  `| time for the vanished to time out and their rooms to close | ${
    ((cleanedAt - operationsDone) / 1000).toFixed(2)
  } s |`,
);
console.log(
  `| lobby heap at start / at its busiest / highest seen / at the end | ${megabytes(memoryAtStart.heapUsed)} / ${
    megabytes(peak.heapUsed)
  } / ${megabytes(heapPeak)} / ${megabytes(last.heapUsed)} |`,
);
console.log(`| lobby RSS at start / at its busiest | ${megabytes(memoryAtStart.rss)} / ${megabytes(peak.rss)} |`);
console.log(
  `| most rooms / most clients the lobby held | ${Math.max(...reports.map((report) => report.rooms))} / ${
    Math.max(...reports.map((report) => report.clients))
  } |`,
);
console.log(
  `\nlongest gap between updates: lobby ${last.longestGapMs.toFixed(0)} ms, clients ${longestTickGapMs.toFixed(0)} ms`,
);
console.log(`refusals: ${JSON.stringify(Object.fromEntries(refusals))}`);
if (pending || roomsLeft || last.clients > 1 || refusals.has("The lobby disconnected: timeout")) {
  console.log("FAILED: requests unanswered, clients timed out while active, or rooms or clients left behind");
  Deno.exit(1);
}
