// Run by e2e/node24_test.ts with Node 24, which strips the types of a .ts file and runs it (no build, no tsconfig):
// mod.ts and osc.ts as a game that copied the one file has them. Two Hosts over nodeUdp on 127.0.0.1 exchange every
// mode, then a Host.close() is heard as "closed"; an OSC message and a MessagePack value make the round trip.
// Prints one JSON line with the result.
import dgram from "node:dgram";
import { Host, nodeUdp, pack, unpack } from "../../mod.ts";
import { decodeOsc, encodeOsc } from "../../osc.ts";
import { exchange } from "../exchange.mjs";

async function bound(): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return socket;
}

const serverSocket = await bound();
const server = new Host(nodeUdp(serverSocket));
const client = new Host(nodeUdp(await bound()));
const { clientEvents: _, ...result } = await exchange(server, client, `127.0.0.1:${serverSocket.address().port}`);
const osc = decodeOsc(encodeOsc({ address: "/player/1", args: [1, 0.5, "run"] }));
const packed = unpack(pack({ x: 1.5, name: "ada", tags: [1, 2] }));
server.close();
console.log(JSON.stringify({ ...result, osc, packed, runtime: process.version }));
process.exit(0);
