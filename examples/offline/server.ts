/**
 * The game's server, in a Web Worker (started by main.ts): the same Host and loop as a server over UDP or WebSocket
 * (game.js's `serve`), on a MessagePort. When its last player leaves, the server closes its Host and its Worker.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { Host } from "../../mod.ts";
import { serve } from "./game.js";
import { portSocket } from "./port_socket.js";

self.onmessage = async ({ data }: MessageEvent<MessagePort>) => {
  await serve(new Host(portSocket(data, "player")), console.log);
  self.close();
};
