/**
 * Runs a lobby on UDP: `deno run -A examples/lobby/server.ts [port] [kv-file]`.
 * With a KV file (`--unstable-kv` is set in deno.json), several lobby
 * processes on one machine share one room directory. Stop it with Ctrl-C.
 *
 * @module
 */
import { Host } from "../../mod.ts";
import { kvStore, Lobby, memoryStore } from "./lobby.ts";
import { udpSocket } from "./udp.ts";

const port = Number(Deno.args[0] ?? 7000);
const kvPath = Deno.args[1];
const socket = await udpSocket(port);
const store = kvPath ? kvStore(await Deno.openKv(kvPath)) : memoryStore();
const lobby = new Lobby(new Host(socket, { maxPeers: 4096 }), { store });
console.log(`lobby on udp ${socket.address}, rooms in ${kvPath ? `Deno KV at ${kvPath}` : "memory"}`);
const stop = new AbortController();
Deno.addSignalListener("SIGINT", () => stop.abort());
await lobby.run(16, stop.signal);
socket.close();
