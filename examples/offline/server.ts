/**
 * The game's server, in a Web Worker (started by main.ts): the same Host and loop as a server over UDP or WebSocket,
 * on a MessagePort. Each player has an x that its `{ move }` messages change; the world goes to every player as a
 * `"state"` each frame. When its last player leaves, the server closes its Host and its Worker.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { Host, type Peer } from "../../mod.ts";
import { portSocket } from "./port_socket.ts";

self.onmessage = ({ data }: MessageEvent<MessagePort>) => {
  const host = new Host(portSocket(data, "player"));
  const players = new Map<Peer, number>();
  const frame = setInterval(() => {
    host.update();
    for (let event; (event = host.poll());) {
      if (event.type === "connect") {
        players.set(event.peer, 0);
        event.peer.send("welcome to the offline server");
      } else if (event.type === "message") {
        const { move } = event.data as { move: number };
        players.set(event.peer, (players.get(event.peer) ?? 0) + move);
      } else if (event.type === "disconnect") {
        players.delete(event.peer);
        console.log(`server: the player left (${event.reason})`);
        if (!players.size) clearInterval(frame), host.close(), self.close();
      }
    }
    const world = { xs: [...players.values()] };
    for (const peer of players.keys()) peer.send(world, { mode: "state" });
  }, 16);
};
