// Run by bench/bun_ghosts.mjs under Bun: a stranger who completes N handshakes (HELLO, CHALLENGE, HELLO with the
// cookie, the server's first packet), each from its own Bun UDP socket, then closes that socket without a goodbye: the server keeps N ghost peers and
// sends them keepalives and goodbyes from update() until they time out, each bouncing. Each ghost is made again 11 s
// after it closed (so it goes in after the genuine player). Prints "ready" once the first N are in, and one JSON line at the end.
// Usage: bun bench/bun_ghosts_attacker.mjs HOST PORT N DURATION_MS (127.0.0.1 only)
const [host, port, n, duration] = [process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5]];
let made = 0;
const start = performance.now();
const ghost = async () => {
  const { promise, resolve } = Promise.withResolvers();
  const nonce = (Math.random() * 2 ** 32) >>> 0;
  const hello = (cookie) => {
    const b = new Uint8Array(13), v = new DataView(b.buffer);
    b[0] = 1;
    v.setUint32(5, nonce);
    v.setUint32(9, cookie);
    return b;
  };
  let done = false;
  const s = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(sock, data) {
        if (done) return;
        if (data.length == 13 && data[0] == 2) {
          sock.send(hello(new DataView(data.buffer, data.byteOffset).getUint32(5)), port, host);
        } else if (data.length != 13) {
          done = true;
          made++;
          sock.close();
          resolve();
        } // the first data packet
      },
    },
  });
  s.send(hello(0), port, host);
  setTimeout(() => {
    if (!done) {
      done = true;
      s.close();
      resolve();
    }
  }, 1000);
  await promise;
};
const slot = async () => {
  while (performance.now() - start < duration) {
    await ghost();
    await Bun.sleep(11000);
  }
};
const slots = [];
// Spread over one second, so their keepalives (one a second each) fall in different updates of the server.
for (let i = 0; i < n; i++) {
  const t = performance.now();
  await ghost();
  await Bun.sleep(Math.max(0, 1000 / n - (performance.now() - t)));
  slots.push((async () => {
    await Bun.sleep(11000);
    await slot();
  })());
}
console.log("ready");
await Bun.sleep(duration);
console.log(JSON.stringify({ ghosts: n, made }));
process.exit(0);
