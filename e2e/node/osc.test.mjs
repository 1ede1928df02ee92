// Run by e2e/node_test.ts as `node --test e2e/node/`: dist/osc.js, the OSC module a Node program copies beside
// dist/mod.js, over a real node:dgram socket on 127.0.0.1.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { test } from "node:test";
import { decodeOsc, encodeOsc, OSC_IMMEDIATELY, oscMatch, oscTime, oscTimeToMs } from "../../dist/osc.js";

test("dist/osc.js writes the OSC 1.0 spec's /oscillator/4/frequency ,f 440.0 and reads it back", () => {
  const bytes = encodeOsc({
    address: "/oscillator/4/frequency",
    types: "f",
    args: [440],
  });
  assert.equal(
    Buffer.from(bytes).toString("hex"),
    "2f6f7363696c6c61746f722f342f6672657175656e6379002c66000043dc0000",
  );
  assert.deepEqual(decodeOsc(bytes), {
    address: "/oscillator/4/frequency",
    types: "f",
    args: [440],
  });
  assert.equal(oscTimeToMs(oscTime(1_700_000_000_250)), 1_700_000_000_250);
});

test("dist/osc.js: a bundle over node:dgram on 127.0.0.1 reaches the methods its pattern matches", async () => {
  const bind = () =>
    new Promise((resolve, reject) => {
      const socket = dgram.createSocket("udp4");
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", () => resolve(socket));
    });
  const [sender, receiver] = await Promise.all([bind(), bind()]);
  try {
    const arrived = new Promise((resolve) => receiver.once("message", (datagram) => resolve(datagram)));
    const bundle = {
      timetag: OSC_IMMEDIATELY,
      elements: [{ address: "/player/*/fire", args: [3, "now"] }],
    };
    sender.send(encodeOsc(bundle), receiver.address().port, "127.0.0.1");
    // A Node Buffer, as node:dgram hands it over.
    const packet = decodeOsc(await arrived);
    assert.deepEqual(packet, {
      timetag: 1n,
      elements: [{ address: "/player/*/fire", types: "is", args: [3, "now"] }],
    });
    const methods = [
      "/player/1/fire",
      "/player/2/fire",
      "/player/1/jump",
      "/player/1/fire/again",
    ];
    assert.deepEqual(
      methods.filter((address) => oscMatch(packet.elements[0].address, address)),
      methods.slice(0, 2),
    );
  } finally {
    sender.close();
    receiver.close();
  }
});
