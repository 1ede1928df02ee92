/**
 * Binds a `node:dgram` socket (Deno runs it too) and wraps it in mod.ts's
 * {@linkcode nodeUdp}: the lobby's programs, tests and benchmark bind their
 * UDP sockets through it.
 *
 * @module
 */
import dgram from "node:dgram";
import { nodeUdp, type Socket } from "../../mod.ts";

/**
 * Binds a UDP socket on IPv4.
 *
 * @param port the port, or 0 for any free one
 * @param hostname the local address (default `"127.0.0.1"`)
 * @returns the socket, bound, with the `"host:port"` other Hosts connect to
 */
export async function udpSocket(port = 0, hostname = "127.0.0.1"): Promise<Socket & { readonly address: string }> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, hostname, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const bound = socket.address();
  return Object.assign(nodeUdp(socket), { address: `${bound.address}:${bound.port}` });
}
