/**
 * Two lobby PROCESSES on one Deno KV file: `deno run examples/lobby/server.ts
 * 0 <file>` twice, each on its own 127.0.0.1 ports, sharing one KV file in a
 * temporary folder. A UDP player on lobby A and a WebSocket player on lobby B
 * meet in one room hosted on A; then A is killed with SIGKILL (a crash, no
 * goodbye) and B must stop listing A's room within the heartbeat bound
 * (kvStore's defaults: a beat every 1 s, stale after 3 s). Real processes and
 * sockets, so real time: bounded at 20 s in all, and every process is killed
 * in `finally`.
 */
import assert from "node:assert/strict";
import { Host, webSocket } from "../../mod.ts";
import { LobbyClient, type Room, type RoomSummary } from "./lobby.ts";
import { udpSocket } from "./udp.ts";

const DEADLINE_MS = 20_000;
/** kvStore's defaults, which server.ts uses: a beat every 1 s, stale after 3 s. */
const HEARTBEAT_MS = 1000;
const STALE_AFTER_MS = 3000;
/** A crashed lobby's rooms leave B's list at most one stale period and one beat of B after its last beat. */
const DROPPED_WITHIN_MS = STALE_AFTER_MS + HEARTBEAT_MS;
/** B's tick (16 ms), a KV round trip, and the player's polling, on a loaded 2-core machine. */
const SLACK_MS = 750;
const SERVER = new URL("./server.ts", import.meta.url).pathname;

/** A lobby process: its addresses, the lines it printed, and how to end it. */
interface LobbyProcess {
  child: Deno.ChildProcess;
  udpAddress: string;
  webSocketUrl: string;
  lines: string[];
  /** Resolves when its stdout closed (it exited). */
  done: Promise<void>;
  stderr: Promise<string>;
}

/** Starts server.ts on free ports with the KV file; resolves once it printed where it listens. */
async function startLobbyProcess(kvPath: string, folder: string, deadline: number): Promise<LobbyProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-kv",
      "--unstable-net",
      "--allow-net=127.0.0.1",
      `--allow-read=${folder}`,
      `--allow-write=${folder}`,
      SERVER,
      "0",
      kvPath,
    ],
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let started: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve) => started = resolve);
  const done = (async () => {
    let buffered = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      for (let newline; (newline = buffered.indexOf("\n")) >= 0; buffered = buffered.slice(newline + 1)) {
        lines.push(buffered.slice(0, newline));
        started(lines[0]);
      }
    }
    started("");
  })();
  const stderr = new Response(child.stderr).text();
  const lobby = { child, udpAddress: "", webSocketUrl: "", lines, done, stderr };
  const timer = setTimeout(() => started(""), Math.max(0, deadline - performance.now()));
  const line = await firstLine;
  clearTimeout(timer);
  const where = line.match(/^lobby on udp (127\.0\.0\.1:\d+) and (ws:\/\/127\.0\.0\.1:\d+), rooms in Deno KV at /);
  if (!where) {
    await stop(lobby);
    throw new Error(`The lobby process did not start: it printed ${JSON.stringify(line)}\n${await stderr}`);
  }
  return { ...lobby, udpAddress: where[1], webSocketUrl: where[2] };
}

/** Kills a lobby process (SIGKILL: nothing of it runs afterwards) unless it exited, and waits for its end. */
async function stop(lobby: Pick<LobbyProcess, "child" | "done" | "stderr">): Promise<void> {
  try {
    lobby.child.kill("SIGKILL");
  } catch {
    // It exited already.
  }
  await lobby.child.status;
  await lobby.done;
  await lobby.stderr;
}

Deno.test("two lobby processes on one KV file: a UDP player on A and a WebSocket player on B share a room, relay both ways, hear closed, and a crashed A's room leaves B's list within the heartbeat bound", async () => {
  const deadline = performance.now() + DEADLINE_MS;
  const folder = await Deno.makeTempDir({ prefix: "jamnet-kv-processes-" });
  const kvPath = `${folder}/lobby.kv`;
  const lobbies: LobbyProcess[] = [];
  const hosts: Host[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    // Both start at once (a Deno process takes a second or two here); one that started is stopped even if the other failed.
    const started = await Promise.allSettled([0, 1].map(() => startLobbyProcess(kvPath, folder, deadline)));
    for (const result of started) if (result.status === "fulfilled") lobbies.push(result.value);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    const [lobbyA, lobbyB] = lobbies;
    const logs = () => `A printed:\n${lobbyA.lines.join("\n")}\nB printed:\n${lobbyB.lines.join("\n")}`;

    const udp = await udpSocket();
    const ws = webSocket(new WebSocket(lobbyB.webSocketUrl));
    hosts.push(new Host(udp), new Host(ws));
    const host = new LobbyClient(hosts[0].connect(lobbyA.udpAddress));
    const guest = new LobbyClient(hosts[1].connect(ws.address));
    timer = setInterval(() => {
      for (const [i, player] of hosts.entries()) {
        player.update();
        for (let event; (event = player.poll());) [host, guest][i].handle(event);
      }
    }, 5);
    const waitFor = async (done: () => boolean, what: string) => {
      while (!done()) {
        assert.ok(performance.now() < deadline, `Gave up waiting for ${what}\n${logs()}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const heard = (client: LobbyClient, op: string) => client.notices.filter((notice) => notice.op === op);
    const listed = async () => ((await guest.request({ op: "list" })).rooms as RoomSummary[]).map(({ id }) => id);

    // The player on B joins a room hosted on A, and A's host hears it.
    const { room } = await host.request({ op: "create", name: "across", maxPlayers: 4 }) as { room: Room };
    assert.deepEqual(await listed(), [room.id]);
    const joined = await guest.request({ op: "join", room: room.id }) as { room: Room };
    assert.deepEqual(joined.room.members.map((member) => member.lobby), [room.lobby, joined.room.members[1].lobby]);
    assert.notEqual(joined.room.members[1].lobby, room.lobby, "the two players are on two lobby processes");
    const member = joined.room.members[1];
    await waitFor(() => heard(host, "member").length > 0, "A's host to hear the join");
    assert.deepEqual(heard(host, "member"), [{ op: "member", room: room.id, member, joined: true }]);

    // Relays cross both ways, through KV.
    host.peer.send({ op: "relay", data: "from A over UDP" });
    guest.peer.send({ op: "relay", data: new Uint8Array([1, 2, 3]), to: room.host });
    await waitFor(() => heard(host, "relay").length > 0 && heard(guest, "relay").length > 0, "both relays");
    assert.deepEqual(heard(host, "relay"), [{ op: "relay", from: member.id, data: new Uint8Array([1, 2, 3]) }]);
    assert.deepEqual(heard(guest, "relay"), [{ op: "relay", from: room.host, data: "from A over UDP" }]);

    // A's host leaves: B's player hears the room close, and is out of it.
    assert.equal((await host.request({ op: "leave" })).op, "left");
    await waitFor(() => heard(guest, "closed").length > 0, "B's player to hear closed");
    assert.deepEqual(heard(guest, "closed"), [{ op: "closed", room: room.id }]);
    assert.deepEqual(await listed(), []);

    // A hosts another room, B's player joins it; then A crashes.
    const doomed = (await host.request({ op: "create", name: "doomed", maxPlayers: 4 }) as { room: Room }).room;
    await guest.request({ op: "join", room: doomed.id });
    assert.deepEqual(await listed(), [doomed.id]);
    lobbyA.child.kill("SIGKILL");
    const killedAt = performance.now();
    await lobbyA.child.status;
    while ((await listed()).length) {
      assert.ok(performance.now() < deadline, `B still lists the crashed lobby's room\n${logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const goneAfterMs = performance.now() - killedAt;
    assert.ok(
      goneAfterMs <= DROPPED_WITHIN_MS + SLACK_MS,
      `B listed the crashed lobby's room for ${
        goneAfterMs.toFixed(0)
      } ms: the bound is ${DROPPED_WITHIN_MS} ms\n${logs()}`,
    );
    await waitFor(() => heard(guest, "closed").length > 1, "B's player to hear the crashed room close");
    assert.deepEqual(heard(guest, "closed").at(-1), { op: "closed", room: doomed.id });
    assert.ok(lobbyB.lines.some((line) => line.includes(`room ${doomed.id} closed: its host's lobby`)), logs());
    // B's directory is usable still: its player creates a room of its own.
    assert.equal((await guest.request({ op: "create", name: "after", maxPlayers: 2 })).op, "created");
  } finally {
    clearInterval(timer);
    for (const player of hosts) player.close();
    await Promise.all(lobbies.map(stop));
    await Deno.remove(folder, { recursive: true });
  }
});
