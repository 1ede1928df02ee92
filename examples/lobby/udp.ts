/**
 * A jamnet {@linkcode Socket} over `node:dgram`, for the lobby's runnable
 * programs and its benchmark (Deno runs `node:dgram` too). mod.ts has no
 * socket adapters yet: the sockets issue is waiting on the size budget, and
 * this is the smallest adapter that serves these examples.
 *
 * @module
 */
import dgram from "node:dgram";
import type { Socket } from "../../mod.ts";

/** A UDP socket and the address it is bound to. */
export interface BoundSocket extends Socket {
  /** `"127.0.0.1:7000"`: what other Hosts connect to. */
  readonly address: string;
  /** Send and receive faults counted so far (an unreachable port, a closed socket): none of them throws. */
  readonly errors: number;
}

/**
 * Binds a UDP socket on IPv4.
 *
 * @param port the port, or 0 for any free one
 * @param hostname the local address (default `"127.0.0.1"`)
 * @returns the socket, bound
 */
export async function udpSocket(port = 0, hostname = "127.0.0.1"): Promise<BoundSocket> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, hostname, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  let errors = 0;
  let open = true;
  socket.on("error", () => errors++);
  const { address, port: boundPort } = socket.address();
  return {
    address: `${address}:${boundPort}`,
    get errors() {
      return errors;
    },
    send(data, to) {
      const colon = to.lastIndexOf(":");
      if (!open) return void errors++;
      socket.send(data, Number(to.slice(colon + 1)), to.slice(0, colon), (error) => error && errors++);
    },
    listen(receive) {
      socket.on("message", (data, from) => {
        receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), `${from.address}:${from.port}`);
      });
    },
    close() {
      if (open) socket.close();
      open = false;
    },
  };
}
