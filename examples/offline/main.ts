/**
 * Offline play: the game's server runs in a Web Worker and the client talks to it over a MessagePort, through the same
 * Host calls as online (`deno run --allow-read examples/offline/main.ts`). The client moves 10 times, prints the
 * server's welcome and the world it last saw, then leaves; the Worker closes itself and the process ends.
 *
 * The game (game.js) and the socket (port_socket.js) are plain JavaScript that a browser loads as they are: the same
 * play in a page is index.html beside this file (`deno run --allow-net=127.0.0.1 --allow-read=.
 * examples/offline/serve.ts`).
 *
 * @module
 */
import { Host } from "../../mod.ts";
import { play } from "./game.js";
import { portSocket } from "./port_socket.js";

const channel = new MessageChannel();
const worker = new Worker(new URL("./server.ts", import.meta.url), { type: "module" });
worker.postMessage(channel.port2, [channel.port2]);

const socket = portSocket(channel.port1, "server");
play(new Host(socket), socket.address, console.log);
