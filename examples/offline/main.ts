/**
 * Offline play: the game's server runs in a Web Worker and the client talks to it over a MessagePort, through the same
 * Host calls as online (`deno run --allow-read examples/offline/main.ts`). The client moves 10 times, prints the
 * server's welcome and the world it last saw, then leaves; the Worker closes itself and the process ends.
 *
 * @module
 */
import { Host } from "../../mod.ts";
import { portSocket } from "./port_socket.ts";

const channel = new MessageChannel();
const worker = new Worker(new URL("./server.ts", import.meta.url), { type: "module" });
worker.postMessage(channel.port2, [channel.port2]);

const socket = portSocket(channel.port1, "server");
const host = new Host(socket);
const server = host.connect(socket.address);
let moves = 0;
let world: unknown;
const frame = setInterval(() => {
  if (server.state === "connected" && moves < 10) server.send({ move: 1 }), moves++;
  host.update();
  for (let event; (event = host.poll());) {
    if (event.type === "message" && event.mode === "state") world = event.data;
    else if (event.type === "message") console.log(`client: the server says "${event.data}"`);
    else if (event.type === "disconnect") console.log(`client: disconnected (${event.reason})`);
  }
  if (moves === 10 && JSON.stringify(world) === '{"xs":[10]}') {
    console.log(`client: the world after 10 moves: ${JSON.stringify(world)}`);
    clearInterval(frame);
    host.close(); // says goodbye to the server, and closes the port
  }
}, 16);
