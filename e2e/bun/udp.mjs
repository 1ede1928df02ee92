// Run by e2e/bun_test.ts with Bun: two Hosts of dist/mod.js over bunUdp on
// 127.0.0.1 exchange every mode, then a Host.close() is heard as "closed".
// Prints one JSON line with the result.
import { bunUdp, Host } from "../../dist/mod.js";
import { exchange } from "../exchange.mjs";

const server = await bunUdp(Bun.udpSocket, { hostname: "127.0.0.1" });
const client = await bunUdp(Bun.udpSocket, { hostname: "127.0.0.1" });
const { clientEvents: _, ...result } = await exchange(new Host(server), new Host(client), server.address);
// A malformed address throws at once; a send after close is counted.
const host = new Host(await bunUdp(Bun.udpSocket, { hostname: "127.0.0.1" }));
try {
  host.connect("nonsense");
} catch (error) {
  result.malformed = error instanceof RangeError && /"nonsense"/.test(error.message);
}
host.close();
host.update();
console.log(JSON.stringify({ ...result, runtime: `bun ${Bun.version}` }));
process.exit(0);
