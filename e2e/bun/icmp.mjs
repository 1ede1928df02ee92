// Run by e2e/bun_test.ts with Bun: Bun turns IP_RECVERR on for its UDP sockets, so an ICMP "port unreachable" for a
// datagram to a closed port fails the socket's next send, whoever it is to. A server over bunUdp sends a HELLO to a
// port just closed, then at once a packet to its genuine player; 20 rounds. Prints one JSON line: how many of the
// player's 40 messages arrived, and the send errors counted against it. Its argument is the adapter: bunUdp (the
// default) or nodeUdp (Bun's node:dgram has the same fault).
import dgram from "node:dgram";
import { bunUdp, Host, nodeUdp } from "../../dist/mod.js";

/** A socket on 127.0.0.1 and a free port, over the adapter named on the command line, with its address. */
async function open() {
  if (process.argv[2] != "nodeUdp") return await bunUdp(Bun.udpSocket, { hostname: "127.0.0.1" });
  const udp = dgram.createSocket("udp4");
  await new Promise((resolve) => udp.bind(0, "127.0.0.1", resolve));
  return Object.assign(nodeUdp(udp), { address: `127.0.0.1:${udp.address().port}` });
}

const serverSocket = await open();
const server = new Host(serverSocket);
const client = new Host(await open());
const received = [];
const tick = () => {
  client.update();
  server.update();
  while (server.poll());
  for (let event; (event = client.poll());) if (event.type == "message") received.push(event.data);
};
const toServer = client.connect(serverSocket.address);
for (let i = 0; i < 200 && toServer.state != "connected"; i++) tick(), await Bun.sleep(5);
for (let i = 0; i < 10; i++) tick(), await Bun.sleep(5);
const player = server.peers[0];
for (let round = 0; round < 20; round++) {
  const gone = await Bun.udpSocket({ hostname: "127.0.0.1", socket: { data() {} } });
  const address = `127.0.0.1:${gone.port}`;
  gone.close();
  const ghost = server.connect(address);
  server.update(); // its HELLO
  for (const n of [1, 2]) player.send(`${round}.${n}`, { mode: "unreliable" }), server.update();
  ghost.disconnect(); // no more HELLOs
  await Bun.sleep(5);
}
for (let i = 0; i < 20; i++) tick(), await Bun.sleep(5);
console.log(JSON.stringify({
  received: received.length,
  socketErrors: player.stats.socketErrors,
  // The bounces Bun reported to the socket, no datagram lost by them: counted by the Host, on no peer.
  hostSocketErrors: server.stats.socketErrors,
  runtime: `bun ${Bun.version}`,
  adapter: process.argv[2] ?? "bunUdp",
}));
process.exit(0);
