/**
 * A lobby client: `deno run -A examples/lobby/client.ts [lobby] [name]`, where
 * `lobby` is a UDP address (default `127.0.0.1:7000`) or a WebSocket URL
 * (`ws://127.0.0.1:7000`). It joins the first open room it finds, or creates
 * one; it greets every member through the lobby's relay (the room's members
 * when it joins, and each newcomer), prints what it hears for ten seconds or
 * until the room closes, then leaves. Run a server
 * (examples/lobby/server.ts) and two clients to see them meet.
 *
 * @module
 */
import { Host, type Socket, webSocket } from "../../mod.ts";
import { LobbyClient, type Member, type Room, type RoomSummary } from "./client_lib.ts";
import { udpSocket } from "./udp.ts";

/** Characters of a value from the room that a line shows at most: the rest is cut, with "…". */
const MAX_SHOWN_CHARACTERS = 200;

/**
 * A value another member sent (a relay, a room's name), as one short line a terminal prints as it is. Any member may
 * relay anything pack() takes: JSON.stringify threw on a bigint (a uint 64 past 2^53 unpacks as one), out of the
 * Host's timer, and ended the program; it let C1 controls through (U+009B is a terminal's CSI: "\u009b2J" cleared
 * xterm.js's screen) and bidi overrides (which turned the line around); and a relay of 1 MiB of bytes printed 11 MB
 * (a review, 2026-12-06). Bytes show as their count, a bigint with its "n". Every bidi control is escaped (Unicode's
 * Bidi_Control: the marks U+200E, U+200F and U+061C move the text after them too, a review, 2026-12-06); Unicode's
 * other format characters show as they are: ZWJ (U+200D) joins emoji, and moves no text.
 *
 * @param value what another member sent
 * @returns it quoted as JSON, escaped, cut to MAX_SHOWN_CHARACTERS
 */
export function shown(value: unknown): string {
  const json = JSON.stringify(
    value,
    (_key, inner) =>
      typeof inner === "bigint" ? `${inner}n` : inner instanceof Uint8Array ? `(${inner.length} bytes)` : inner,
  ) ?? String(value); // undefined, which JSON has not
  const escaped = json.replace(
    /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/gu,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const characters = Array.from(escaped); // not UTF-16 units: an emoji is not cut in two
  return characters.length > MAX_SHOWN_CHARACTERS ? characters.slice(0, MAX_SHOWN_CHARACTERS).join("") + "…" : escaped;
}

/** Options of {@linkcode runClient}. */
export interface ClientOptions {
  /** The lobby: `"127.0.0.1:7000"` over UDP, or `"ws://127.0.0.1:7000"` over WebSocket. */
  lobby: string;
  /** What the player calls itself. */
  name: string;
  /** How long to stay in the room, in ms (default 10,000). */
  stayMs?: number;
  /** How long to wait for the lobby to answer the handshake, in ms (default 2,000: on 127.0.0.1 it takes 1). */
  connectMs?: number;
  /** Where the lines go (default `console.log`). */
  print?: (line: string) => void;
}

/**
 * Meets the other players in a room, as described above.
 *
 * @param options the lobby, the player's name and the timings
 * @returns the exit code: 0, or 1 when no lobby answered or the connection to it ended
 */
export async function runClient(options: ClientOptions): Promise<number> {
  const { lobby: address, name, stayMs = 10_000, connectMs = 2000, print = console.log } = options;
  const socket: Socket & { readonly address: string } = address.startsWith("ws://") || address.startsWith("wss://")
    ? webSocket(new WebSocket(address))
    : await udpSocket();
  // Its one peer, the lobby: the lobby tells every member the others' addresses, and a Host takes any peer that
  // connects to it, up to maxPeers (64 by default). A stranger is refused as "full".
  const host = new Host(socket, { maxPeers: 1 });
  const lobby = new LobbyClient(host.connect(address.includes("://") ? socket.address : address));
  let closed = false;
  /** Why the connection to the lobby ended, once it did. */
  let lost: string | undefined;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => done = resolve);
  const greet = (to?: string) => lobby.peer.send({ op: "relay", data: `hello from ${name}`, ...(to && { to }) });

  // The Host runs in the background; lobby answers resolve the requests below.
  const timer = setInterval(() => {
    host.update();
    for (let event; (event = host.poll());) {
      lobby.handle(event);
      // Stopped past the timeout (Ctrl-Z, then fg; a laptop asleep), or with the lobby stopped that long, it stayed
      // on hearing nothing and then said "left: the room had closed" (a review, 2026-12-06).
      if (event.type === "disconnect" && event.peer === lobby.peer) lost = event.reason, done();
    }
    for (let notice; (notice = lobby.notices.shift());) {
      if (notice.op === "member") {
        const member = notice.member as Member;
        print(`${name} hears: ${member.id} (${member.address}) ${notice.joined ? "joined" : "left"}`);
        if (notice.joined) greet(member.id);
      } else if (notice.op === "relay") {
        print(`${name} hears from ${notice.from}: ${shown(notice.data)}`);
      } else if (notice.op === "closed") {
        print(`${name} hears: the room closed (its host left)`);
        closed = true;
        done();
      }
    }
  }, 16);
  const stop = (code: number) => {
    clearInterval(timer);
    host.close();
    return code;
  };

  const deadline = performance.now() + connectMs;
  while (lobby.peer.state === "connecting" && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 16));
  }
  if (lobby.peer.state !== "connected") {
    print(`no lobby at ${address}`);
    return stop(1);
  }
  /**
   * A request whose refusal, or the lobby's going, ends the client: its Host stops, then the error goes on. Thrown with
   * the Host running, runClient left its timer updating a Host no one used (a review, 2026-12-06).
   */
  const ask = (request: Record<string, unknown>) =>
    lobby.request(request).catch((error) => {
      stop(1);
      throw error;
    });
  const { rooms } = await ask({ op: "list" }) as { rooms: RoomSummary[] };
  const open = rooms.find((listed) => !listed.locked && listed.players < listed.maxPlayers);
  const room = open
    ? (await ask({ op: "join", room: open.id }) as { room: Room }).room
    : (await ask({ op: "create", name: `${name}'s room`, maxPlayers: 4, meta: { game: "jam" } }) as {
      room: Room;
    }).room;
  print(
    `${name} ${open ? "joined" : "created"} room ${room.id} ${shown(room.name)}: ` +
      `${room.members.length}/${room.maxPlayers} players`,
  );
  // Those already in the room hear it now; those who come later are greeted as they join.
  if (open) greet();
  const stayed = setTimeout(done, stayMs);
  await finished;
  clearTimeout(stayed);
  // The room may close while the leave is on its way: then the lobby answers "Not in a room".
  const left = !closed && !lost && await lobby.request({ op: "leave" }).then(() => true, () => false);
  if (lost) {
    print(`${name} lost the lobby at ${address} (${lost}): run this again to join a room`);
    return stop(1);
  }
  print(left ? `${name} left room ${room.id}` : `${name} left: the room had closed`);
  return stop(0);
}

if (import.meta.main) {
  const code = await runClient({
    lobby: Deno.args[0] ?? "127.0.0.1:7000",
    name: Deno.args[1] ?? `player${Math.floor(Math.random() * 1000)}`,
  }).catch((error) => {
    // A lobby that goes away mid-request: one line, not a stack trace.
    console.log((error as Error).message);
    return 1;
  });
  // Exits at once: without a lobby nothing else is worth waiting for.
  Deno.exit(code);
}
