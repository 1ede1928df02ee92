/**
 * A lobby client on UDP: `deno run -A examples/lobby/client.ts [lobby-address] [name]`.
 * It joins the first open room it finds, or creates one, says hello to the
 * room through the lobby's relay, prints what it hears for ten seconds, then
 * leaves. Run a server (examples/lobby/server.ts) and two clients to see them
 * meet.
 *
 * @module
 */
import { Host } from "../../mod.ts";
import { LobbyClient, type Room, type RoomSummary } from "./lobby.ts";
import { udpSocket } from "./udp.ts";

const lobbyAddress = Deno.args[0] ?? "127.0.0.1:7000";
const name = Deno.args[1] ?? `player${Math.floor(Math.random() * 1000)}`;
const host = new Host(await udpSocket());
const lobby = new LobbyClient(host.connect(lobbyAddress));

// The Host runs in the background; lobby answers resolve the requests below.
const timer = setInterval(() => {
  host.update();
  for (let event; (event = host.poll());) lobby.handle(event);
  for (let notice; (notice = lobby.notices.shift());) console.log(name, "hears", JSON.stringify(notice));
}, 16);

const { rooms } = await lobby.request({ op: "list" }) as { rooms: RoomSummary[] };
const open = rooms.find((room) => room.players < room.maxPlayers);
const { room } = open
  ? await lobby.request({ op: "join", room: open.id }) as { room: Room }
  : await lobby.request({ op: "create", name: `${name}'s room`, maxPlayers: 4, meta: { game: "jam" } }) as {
    room: Room;
  };
console.log(name, open ? "joined" : "created", JSON.stringify(room));
lobby.peer.send({ op: "relay", data: `hello from ${name}` });
await new Promise((resolve) => setTimeout(resolve, 10_000));
// The room may have closed already, when its host left first.
await lobby.request({ op: "leave" }).then(() => console.log(name, "left"), (error) => console.log(name, error.message));
clearInterval(timer);
host.close();
