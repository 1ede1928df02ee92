/**
 * `deno task bench:lobby`: the lobby under load on 127.0.0.1. The lobby runs
 * in a child process of its own (this file with `--lobby`, examples/lobby/
 * server.ts's UDP and WebSocket server), which reports its memory, rooms and
 * clients every 250 ms. 1,000 players over UDP and 200 over WebSocket, each
 * with its own socket and Host, run at once in `PLAYER_PROCESSES` child
 * processes (this file with `--players`; 1 by default, which measured faster
 * than 4 on 2 cores), sharing rooms: a quarter create rooms of 4, the rest
 * list and join one with space; then every tenth player vanishes without a
 * word while the others leave and disconnect. At most `IN_FLIGHT` requests
 * (100) are in flight at once over all players.
 * This process steps the phases in lockstep over the children's stdin and
 * stdout, watches every socket's queue in /proc/net/udp, and reports requests
 * answered per second, refusals, the lobby's memory and each player process's
 * event-loop delay; it checks that every request was answered and that the
 * timeouts (3 s here) leave no room and no player behind. Bounded: every
 * process gives up after 60 s.
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
const PLAYER_PROCESSES = Number(Deno.env.get("PLAYER_PROCESSES") ?? 1);
const TICK_MS = 10;
// Requests in flight at once, over all players. Unbounded (every player asking in the same tick, then
// again 50 ms after a refusal) the bench offered more datagrams than a loaded 2-core machine moves: the
// lobby read 2,000 to 4,000 a second, its 208 KB receive buffer dropped 7,000 to 8,500 a run, and players
// whose request, resends and keepalives were all lost for 3 s timed out (297 to 394 a run at load 2 to 3).
// 100 at once is how a lobby is loaded by people, not by one loop: still 1,200 connected at once.
const IN_FLIGHT = Number(Deno.env.get("IN_FLIGHT") ?? 100);
const IN_FLIGHT_PER_PROCESS = Math.max(1, Math.round(IN_FLIGHT / PLAYER_PROCESSES));
const TIMEOUT_MS = Number(Deno.env.get("TIMEOUT_MS") ?? 3000);
/** The player who stays to watch the directory empty as the vanished time out. */
const WATCHER = 1;
const deadline = performance.now() + 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** What a player process says at the end of each phase (`connected`, `joined`, `left`, `rooms`, `done`). */
interface PlayerReport {
  phase: string;
  connected?: number;
  /** Its UDP players' local ports, to find their sockets in /proc/net/udp. */
  ports?: number[];
  answered?: number;
  refused?: number;
  pending?: number;
  refusals?: Record<string, number>;
  roomsLeft?: number;
  watcherConnected?: boolean;
  longestTickGapMs?: number;
  /** How late a 1 ms interval fired: the worst, and the 99th percentile. */
  lagMaxMs?: number;
  lagP99Ms?: number;
  heapUsed?: number;
  rss?: number;
}

/** Lines of text from a byte stream. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    for (let newline; (newline = buffered.indexOf("\n")) >= 0; buffered = buffered.slice(newline + 1)) {
      yield buffered.slice(0, newline);
    }
  }
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
    await sleep(TICK_MS);
  }
  Deno.exit(0);
} else if (Deno.args[0] === "--players") {
  await runPlayers(Number(Deno.args[1]), Number(Deno.args[2]), Deno.args[3], Deno.args[4]);
  Deno.exit(0);
}

/**
 * One player process: players `first` to `first + count - 1`, each with its
 * own socket and Host. It connects them, then runs each phase when the
 * coordinator names it on stdin, and reports on stdout when done.
 */
async function runPlayers(first: number, count: number, address: string, webSocketUrl: string): Promise<void> {
  const report = (value: PlayerReport) => console.log(JSON.stringify(value));
  const commands = lines(Deno.stdin.readable);
  const next = async () => (await commands.next()).value ?? "stop";

  // The event loop's delay: a 1 ms interval fires late by as long as anything (a tick, a burst of
  // datagram events) holds the loop, and a socket's datagrams wait at least as long to be read.
  const lags: number[] = [];
  let lastFired = performance.now();
  const lagTimer = setInterval(() => {
    const now = performance.now();
    lags.push(now - lastFired - 1);
    lastFired = now;
  }, 1);

  let answered = 0;
  let refused = 0;
  let pending = 0;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const refusals: Record<string, number> = {};
  /** A request counted: answered (or refused) is one operation. */
  async function ask(
    client: LobbyClient,
    request: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    pending++;
    while (inFlight >= IN_FLIGHT_PER_PROCESS) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight++;
    try {
      return await client.request(request);
    } catch (error) {
      refused++;
      const reason = (error as Error).message.replace(/[0-9a-f]{8}/g, "…").replace(/:\d+/, ":…");
      refusals[reason] = (refusals[reason] ?? 0) + 1;
      return undefined;
    } finally {
      inFlight--;
      waiting.shift()?.();
      pending--;
      answered++;
    }
  }

  /** One simulated player. */
  interface Player {
    index: number;
    host: Host;
    lobby: LobbyClient;
    vanished: boolean;
    port?: number;
  }
  const players: Player[] = [];
  let running = true;
  let longestTickGapMs = 0;
  const ticking = (async () => {
    for (let last = performance.now(); running && performance.now() < deadline; last = performance.now()) {
      for (const player of players) {
        if (player.vanished) continue;
        player.host.update();
        for (let event; (event = player.host.poll());) player.lobby.handle(event);
      }
      await sleep(TICK_MS);
      longestTickGapMs = Math.max(longestTickGapMs, performance.now() - last);
    }
  })();

  // WebSocket players are every sixth, spread among the UDP ones, so that the two kinds share rooms. All
  // processes together connect 100 players every 100 ms: 1,200 handshakes in one burst overflow the lobby's
  // UDP receive buffer on a loaded 2-core machine, and the bench measures the lobby, not that burst.
  const wave = Math.ceil(100 / PLAYER_PROCESSES);
  for (let start = first; start < first + count; start += wave) {
    players.push(
      ...await Promise.all(
        Array.from({ length: Math.min(wave, first + count - start) }, async (_, j): Promise<Player> => {
          const index = start + j;
          if (index % 6 === 5 && index / 6 < WEBSOCKET_CLIENTS) {
            const socket = webSocket(new WebSocket(webSocketUrl));
            const host = new Host(socket, { timeout: TIMEOUT_MS });
            return { index, host, lobby: new LobbyClient(host.connect(socket.address)), vanished: false };
          }
          const socket = await udpSocket();
          const host = new Host(socket, { timeout: TIMEOUT_MS });
          const port = Number(socket.address.split(":")[1]);
          return { index, host, lobby: new LobbyClient(host.connect(address)), vanished: false, port };
        }),
      ),
    );
    await sleep(100);
  }
  while (players.some((player) => player.lobby.peer.state === "connecting") && performance.now() < deadline) {
    await sleep(TICK_MS);
  }
  report({
    phase: "connected",
    connected: players.filter((player) => player.lobby.peer.state === "connected").length,
    ports: players.flatMap((player) => player.port === undefined ? [] : [player.port]),
  });

  if (await next() === "join") {
    await Promise.all(players.map(async ({ index, lobby }) => {
      if (index % 4 === 0) {
        await ask(lobby, { op: "create", name: `room ${index}`, maxPlayers: 4, meta: { mode: "ffa" } });
      } else {
        for (let tries = 0; tries < 5; tries++) {
          const listed = await ask(lobby, { op: "list" });
          const open = (listed?.rooms as RoomSummary[] ?? []).filter((room) =>
            !room.locked && room.players < room.maxPlayers
          );
          if (open.length && await ask(lobby, { op: "join", room: open[index % open.length].id })) break;
          await sleep(50);
        }
      }
    }));
    report({ phase: "joined" });
  }

  if (await next() === "leave") {
    // Every tenth player vanishes; the others leave (when still in a room) and disconnect.
    await Promise.all(players.map(async (player) => {
      if (player.index % 10 === 9) player.vanished = true;
      else if (player.index !== WATCHER) await ask(player.lobby, { op: "leave" });
    }));
    report({ phase: "left", answered, refused, pending, refusals: { ...refusals } });
    for (const player of players) if (player.index % 10 !== 9 && player.index !== WATCHER) player.host.close();
  }

  // The watcher lists the rooms until told to stop, reporting how many are left each time.
  const watcher = players.find((player) => player.index === WATCHER);
  let stopped = false;
  const stopping = next().then(() => stopped = true);
  if (watcher) {
    while (!stopped && watcher.lobby.peer.state === "connected" && performance.now() < deadline) {
      const listed = await ask(watcher.lobby, { op: "list" });
      report({ phase: "rooms", roomsLeft: (listed?.rooms as RoomSummary[] ?? []).length });
      await sleep(50);
    }
    report({ phase: "rooms", watcherConnected: watcher.lobby.peer.state === "connected" });
  }
  await stopping;
  running = false;
  await ticking;
  clearInterval(lagTimer);
  const sorted = lags.toSorted((a, b) => a - b);
  const { heapUsed, rss } = Deno.memoryUsage();
  report({
    phase: "done",
    answered,
    refused,
    pending,
    refusals,
    longestTickGapMs,
    lagMaxMs: sorted.at(-1) ?? 0,
    lagP99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
    heapUsed,
    rss,
  });
  for (const player of players) player.host.close();
}

const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const loadAverage = async () => (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
const loadAtStart = await loadAverage();
const self = new URL(import.meta.url).pathname;
const lobbyProcess = new Deno.Command(Deno.execPath(), { args: ["run", "-A", self, "--lobby"], stdout: "piped" })
  .spawn();
const reports: LobbyReport[] = [];
const readingLobby = (async () => {
  for await (const line of lines(lobbyProcess.stdout)) reports.push(JSON.parse(line));
})();
while (!reports.length && performance.now() < deadline) await sleep(10);
const memoryAtStart = reports[0];
const lobbyPort = Number(memoryAtStart.address.split(":")[1]);

/** A player process, what it said, and how to tell it the next phase. */
interface PlayerProcess {
  child: Deno.ChildProcess;
  said: PlayerReport[];
  stdin: WritableStreamDefaultWriter<Uint8Array>;
  reading: Promise<void>;
}
const perProcess = Math.ceil(CLIENTS / PLAYER_PROCESSES);
const playerProcesses: PlayerProcess[] = [];
for (let first = 0; first < CLIENTS; first += perProcess) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      self,
      "--players",
      String(first),
      String(Math.min(perProcess, CLIENTS - first)),
      memoryAtStart.address,
      memoryAtStart.webSocketUrl,
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const said: PlayerReport[] = [];
  const reading = (async () => {
    for await (const line of lines(child.stdout)) said.push(JSON.parse(line));
  })();
  playerProcesses.push({ child, said, stdin: child.stdin.getWriter(), reading });
}
const tell = (command: string) =>
  Promise.all(playerProcesses.map(({ stdin }) => stdin.write(new TextEncoder().encode(command + "\n"))));
/** Waits until every player process has reported `phase` (or the deadline), and returns their reports. */
async function reported(phase: string): Promise<PlayerReport[]> {
  const found = () => playerProcesses.map(({ said }) => said.find((report) => report.phase === phase));
  while (found().some((report) => !report) && performance.now() < deadline) await sleep(10);
  return found().map((report) => report ?? { phase });
}
const sum = (values: (number | undefined)[]) => values.reduce((total: number, value) => total + (value ?? 0), 0);

// The sockets' queues, read from the kernel every 100 ms: datagrams a player's process has not read yet
// wait in its socket's receive queue, and a full queue drops them (the last column of /proc/net/udp).
const playerPorts = new Set<number>();
const queuedSince = new Map<number, number>();
let mostSocketsQueued = 0;
let mostBytesQueued = 0;
let longestQueuedMs = 0;
let lobbyDrops = 0;
let playerDrops = 0;
let sampling = true;
const watchingQueues = (async () => {
  while (sampling && performance.now() < deadline) {
    const now = performance.now();
    let socketsQueued = 0;
    let drops = 0;
    for (const line of (await Deno.readTextFile("/proc/net/udp")).split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 13) continue;
      const port = parseInt(fields[1].split(":")[1], 16);
      const queuedBytes = parseInt(fields[4].split(":")[1], 16);
      if (port === lobbyPort) lobbyDrops = Number(fields[12]);
      if (!playerPorts.has(port)) continue;
      drops += Number(fields[12]);
      if (queuedBytes > 0) {
        socketsQueued++;
        mostBytesQueued = Math.max(mostBytesQueued, queuedBytes);
        if (!queuedSince.has(port)) queuedSince.set(port, now);
        longestQueuedMs = Math.max(longestQueuedMs, now - queuedSince.get(port)!);
      } else queuedSince.delete(port);
    }
    mostSocketsQueued = Math.max(mostSocketsQueued, socketsQueued);
    playerDrops = Math.max(playerDrops, drops);
    await sleep(100);
  }
})();

const connectedReports = await reported("connected");
for (const report of connectedReports) for (const port of report.ports ?? []) playerPorts.add(port);
const connected = sum(connectedReports.map((report) => report.connected));
const start = performance.now();
await tell("join");
await reported("joined");
const joinedAt = performance.now();
await tell("leave");
const left = await reported("left");
const operationsDone = performance.now();
const operations = sum(left.map((report) => report.answered));

// The watcher lists until its list comes back empty and the lobby holds no one else.
const watcherSaid = playerProcesses[Math.floor(WATCHER / perProcess)].said;
let roomsLeft = Infinity;
while (performance.now() < deadline) {
  const latest = watcherSaid.findLast((report) => report.phase === "rooms");
  if (latest?.watcherConnected === false) break;
  roomsLeft = latest?.roomsLeft ?? Infinity;
  if (roomsLeft === 0 && reports.at(-1)!.clients <= 1) break;
  await sleep(10);
}
const cleanedAt = performance.now();
await tell("stop");
const done = await reported("done");
sampling = false;
await watchingQueues;
for (const { child, reading } of playerProcesses) {
  await reading.catch(() => {});
  await child.status;
}
// The busiest moment: the most clients connected (the latest such report).
const peak = reports.reduce((most, report) => report.clients >= most.clients ? report : most);
const heapPeak = Math.max(...reports.map((report) => report.heapUsed));
const last = reports.at(-1)!;
try {
  lobbyProcess.kill();
} catch { // it stopped itself at the deadline: a run that overran it, to be reported FAILED rather than thrown
}
await readingLobby.catch(() => {});
await lobbyProcess.status;
const loadAtEnd = await loadAverage();

const refusals: Record<string, number> = {};
for (const report of done) {
  for (const [reason, count] of Object.entries(report.refusals ?? {})) {
    refusals[reason] = (refusals[reason] ?? 0) + count;
  }
}
const pending = sum(done.map((report) => report.pending));
const perPlayerProcess = (pick: (report: PlayerReport) => number | undefined) =>
  done.map((report) => (pick(report) ?? 0).toFixed(0)).join(" / ");
console.log(
  `${UDP_CLIENTS} players over UDP and ${WEBSOCKET_CLIENTS} over WebSocket at once on 127.0.0.1 in ${playerProcesses.length} processes, one lobby in a process of its own (Deno ${Deno.version.deno})\n`,
);
console.log("| measure | value |");
console.log("|---|---:|");
console.log(`| load average at start / at the end | ${loadAtStart} / ${loadAtEnd} |`);
console.log(`| players connected at once | ${connected} of ${CLIENTS} |`);
console.log(`| requests answered (create, list, join, leave) | ${operations} |`);
console.log(
  `| of them refused (a room filled first, or already left) | ${sum(left.map((report) => report.refused))} |`,
);
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
console.log(`| players' RSS, all processes | ${megabytes(sum(done.map((report) => report.rss)))} |`);
console.log(
  `| most rooms / most clients the lobby held | ${Math.max(...reports.map((report) => report.rooms))} / ${
    Math.max(...reports.map((report) => report.clients))
  } |`,
);
console.log(`| event-loop delay per player process, worst (ms) | ${perPlayerProcess((report) => report.lagMaxMs)} |`);
console.log(
  `| event-loop delay per player process, 99th percentile (ms) | ${perPlayerProcess((report) => report.lagP99Ms)} |`,
);
console.log(
  `| longest gap between updates: lobby / each player process (ms) | ${last.longestGapMs.toFixed(0)} / ${
    perPlayerProcess((report) => report.longestTickGapMs)
  } |`,
);
console.log(
  `| player sockets with unread data at once, most / most bytes on one / longest unread | ${mostSocketsQueued} / ${
    (mostBytesQueued / 1024).toFixed(1)
  } KB / ${longestQueuedMs.toFixed(0)} ms |`,
);
console.log(`| datagrams dropped by a full receive buffer: lobby / players | ${lobbyDrops} / ${playerDrops} |`);
console.log(`\nrefusals: ${JSON.stringify(refusals)}`);
if (pending || roomsLeft || last.clients > 1 || refusals["The lobby disconnected: timeout"]) {
  console.log("FAILED: requests unanswered, clients timed out while active, or rooms or clients left behind");
  Deno.exit(1);
}
