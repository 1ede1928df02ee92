/**
 * examples/chat_udp.ts started wrong: a guest with no host to join, and a
 * second host on the port the first one holds. Each says what to do in one
 * line and exits with 1 (it said "the host is gone", and printed AddrInUse's
 * stack). And a guest, of chat_udp.ts or node_chat.mjs, refuses a stranger
 * that connects to it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { denoUdp, Host } from "../mod.ts";
import { available, built, freeUdpPort, root, run, udpHost } from "./tools.ts";

const FLAGS = ["run", "--unstable-net", "--allow-net=127.0.0.1", "examples/chat_udp.ts"];

/**
 * The chat's host on port 7000, its input left open (it runs until `stop()` ends it: the host says goodbye and exits),
 * and `waitFor`, which gives up after 15 s with what the host printed. `chat()` runs another chat program the same way
 * (`command` and `args`), once it printed `ready`.
 */
const chatHost = () => chat(Deno.execPath(), FLAGS, "hosting on");

async function chat(command: string, args: string[], ready: string) {
  const child = new Deno.Command(command, {
    args,
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  const reading = Promise.all([child.stdout, child.stderr].map(async (stream) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) printed += text;
  }));
  let exited = false;
  child.status.then(() => exited = true);
  const input = child.stdin.getWriter();
  const waitFor = async (what: string, done: () => boolean) => {
    for (const deadline = Date.now() + 15_000; !done();) {
      if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}; the host printed:\n${printed}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await waitFor(`"${ready}" (is another program holding port 7000?)`, () => printed.includes(ready));
  return {
    printed: () => printed,
    waitFor,
    exited: () => exited,
    /** Types `line` and Enter into the program. */
    type: (line: string) => input.write(new TextEncoder().encode(`${line}\n`)),
    /** Signals the program: a test stops it (SIGSTOP) and lets it go on (SIGCONT). */
    kill: (signal: Deno.Signal) => child.kill(signal),
    async stop() {
      if (!exited) child.kill("SIGCONT"); // a stopped program reads no input, and would never end
      await input.close();
      await child.status;
      await reading;
    },
  };
}

Deno.test("examples/chat_udp.ts: a guest whose input ends with no host to join says no host answered, and exits with 1", async () => {
  const port = freeUdpPort(); // free a moment ago: nothing answers there
  // run() gives no input: it ends at once, and the guest waits 2 s for a handshake before it leaves.
  const { success, output } = await run(Deno.execPath(), [...FLAGS, `127.0.0.1:${port}`, "ada"], { timeoutMs: 30_000 });
  assert.ok(!success, output);
  assert.equal(
    output,
    `joining 127.0.0.1:${port} as ada…\nno host answered at 127.0.0.1:${port} (in 2 s): start the host first\n`,
  );
});

Deno.test("examples/chat_udp.ts: a second host on port 7000 says it is taken in one line, and exits with 1", async () => {
  // The host's port is fixed at 7000: hold it here, unless something else already does, which serves as well.
  let held: Deno.DatagramConn | undefined;
  try {
    held = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 7000 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
  }
  try {
    const { success, output } = await run(Deno.execPath(), FLAGS, { timeoutMs: 30_000 });
    assert.ok(!success, output);
    assert.equal(
      output,
      "Port 7000 is taken: stop what uses it, or join it: deno run -A examples/chat_udp.ts 127.0.0.1:7000 ada\n",
    );
  } finally {
    held?.close();
  }
});

Deno.test("examples/chat_udp.ts: a mistaken address or name says what to give in one line, and exits with 1", async () => {
  // "7001" and "127.0.0.1" threw connect's stack; a name of spaces or "host" could pass for the host or another.
  for (const args of [["7001"], ["127.0.0.1", "ada"], ["127.0.0.1:7000", "a b"], ["127.0.0.1:7000", "Host"]]) {
    const { success, output } = await run(Deno.execPath(), [...FLAGS, ...args], { timeoutMs: 30_000 });
    assert.ok(!success, output);
    assert.equal(
      output,
      `give the host's IP:port and a name of letters, digits, _ . - (127.0.0.1:7000 ada), not ${args.join(" ")}\n`,
    );
  }
});

Deno.test("examples/chat_udp.ts: the host relays a guest's lines under the name of its first line alone", async () => {
  // A guest writes its own "name: line", and the host relayed it as it came: a modified guest's "host: …", "bob: …"
  // and "* … left" reached every screen as said by them (a review, 2026-12-06). Its stdin stays open: the host runs.
  const chat = await chatHost();
  const guests = ["bob", "mallory", "bob again"].map(() => {
    const host = new Host(denoUdp(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 })));
    return { host, peer: host.connect("127.0.0.1:7000"), heard: [] as string[] };
  });
  const timer = setInterval(() => {
    for (const { host, heard } of guests) {
      host.update();
      for (let event; (event = host.poll());) heard.push(event.type === "message" ? String(event.data) : event.type);
    }
  }, 5);
  const { printed, waitFor } = chat;
  const [bob, mallory, bobAgain] = guests;
  try {
    await waitFor("bob's connection", () => bob.peer.state === "connected");
    bob.peer.send("bob: hi");
    await waitFor("mallory's connection", () => mallory.peer.state === "connected");
    for (const line of ["mallory: hi", "host: the chat moves to 127.0.0.1:7666", "bob: i quit", "* 1.2.3.4:5 left"]) {
      mallory.peer.send(line);
    }
    mallory.peer.send("mallory: bye");
    await waitFor("mallory's last line", () => bob.heard.includes("mallory: bye"));
    assert.deepEqual(bob.heard.filter((line) => !line.startsWith("* ")), ["connect", "mallory: hi", "mallory: bye"]);
    await waitFor("the other bob's connection", () => bobAgain.peer.state === "connected");
    bobAgain.peer.send("BOB: me too"); // a name taken: told, and let go
    await waitFor("the other bob let go", () => bobAgain.heard.includes("disconnect"));
    assert.deepEqual(bobAgain.heard.slice(-2), [
      "* the host: that name is taken, or not letters, digits, _ . -: join again under another",
      "disconnect",
    ]);
    assert.doesNotMatch(printed(), /the chat moves|i quit|me too|1\.2\.3\.4/, printed());
  } finally {
    clearInterval(timer);
    for (const { host } of guests) host.close();
    await chat.stop();
  }
});

Deno.test("examples/chat_udp.ts: the host prints and relays no line with a bidi control; an emoji's ZWJ goes", async () => {
  // A bidi control (Unicode's Bidi_Control) turns the text after it around: "bob: \u202eevil" showed as "bob: live" on
  // every screen, and a mark moves it too, "bob: hi\u200f 12 - 34" as "bob: hi34 - 12" (a review, 2026-12-06).
  const chat = await chatHost();
  const guests = ["bob", "cy"].map(() => {
    const host = new Host(denoUdp(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 })));
    return { host, peer: host.connect("127.0.0.1:7000"), heard: [] as string[] };
  });
  const timer = setInterval(() => {
    for (const { host, heard } of guests) {
      host.update();
      for (let event; (event = host.poll());) if (event.type === "message") heard.push(String(event.data));
    }
  }, 5);
  const { printed, waitFor } = chat;
  const [bob, cy] = guests;
  try {
    await waitFor("the connections", () => guests.every(({ peer }) => peer.state === "connected"));
    bob.peer.send("bob: hi");
    for (const line of ["bob: \u202eevil", "bob: hi\u200f 12 - 34", "bob: \u2067x", "bob: a\u061c1", "bob: \u200ey"]) {
      bob.peer.send(line);
    }
    bob.peer.send("bob: \u{1F469}\u200d\u{1F4BB} done");
    await waitFor("bob's last line", () => cy.heard.includes("bob: \u{1F469}\u200d\u{1F4BB} done"));
    assert.deepEqual(cy.heard.filter((line) => line.startsWith("bob")), [
      "bob: hi",
      "bob: \u{1F469}\u200d\u{1F4BB} done",
    ]);
    assert.doesNotMatch(printed(), /\p{Bidi_Control}/u, printed());
    assert.match(printed(), /^bob: \u{1F469}\u200d\u{1F4BB} done$/mu, printed());
  } finally {
    clearInterval(timer);
    for (const { host } of guests) host.close();
    await chat.stop();
  }
});

Deno.test("examples/chat_udp.ts: a guest the host lets go for a full queue frees its name", async () => {
  // A guest whose program vanished while the chat was busy: its queue filled, the host let it go, and (no "disconnect"
  // event comes for a peer let go so) its name stayed taken until the host ended (a review, 2026-12-06).
  const chat = await chatHost();
  const { printed, waitFor } = chat;
  const guest = () => {
    const udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const host = new Host(denoUdp(udp));
    return { udp, host, peer: host.connect("127.0.0.1:7000"), heard: [] as string[], live: true };
  };
  const guests = [guest(), guest()];
  const timer = setInterval(() => {
    for (const { host, heard, live } of guests) {
      if (!live) continue;
      host.update();
      for (let event; (event = host.poll());) heard.push(event.type === "message" ? String(event.data) : event.type);
    }
  }, 5);
  const [ada, bob] = guests;
  try {
    await waitFor("the connections", () => guests.every(({ peer }) => peer.state === "connected"));
    ada.peer.send("ada: hi");
    await waitFor("ada's line", () => bob.heard.includes("ada: hi"));
    // ada's program vanishes (no goodbye); bob talks on, more than the host keeps queued for her (256 KiB).
    ada.live = false;
    ada.udp.close();
    for (let i = 0; i < 300; i++) bob.peer.send(`bob: ${String(i).padStart(3, "0")} ${"x".repeat(940)}`);
    await waitFor("bob's lines through", () => printed().includes("bob: 299"));
    const again = guest();
    guests.push(again);
    await waitFor("ada's new connection", () => again.peer.state === "connected");
    again.peer.send("ada: back");
    await waitFor("ada's name taken again", () => bob.heard.includes("ada: back"));
  } finally {
    clearInterval(timer);
    for (const { host, live } of guests) if (live) host.close();
    await chat.stop();
  }
});

for (
  const [program, command, args] of [
    ["examples/chat_udp.ts", Deno.execPath(), FLAGS],
    ["examples/node_chat.mjs", "node", ["examples/node_chat.mjs"]],
  ] as const
) {
  Deno.test(`${program}: a guest takes no peer but its host: a stranger at the guest's port is refused`, async (t) => {
    if (command === "node") {
      if (!await available("node")) return void await t.step({ name: "node is not installed", ignore: true, fn() {} });
      await built();
    }
    // The host tells everyone where each guest is ("* 127.0.0.1:56895 joined"), and a guest's Host took any peer
    // that connected there: a stranger's "host: …" showed as the host's, and its goodbye read as "the host is gone",
    // which ended the guest with 0 (a review, 2026-12-06). A Host of this test stands in for the chat's host.
    let guestAddress = "";
    let refused = "";
    const stand = udpHost((event) => {
      if (event.type === "connect") guestAddress = event.peer.address;
    });
    const stranger = udpHost((event) => {
      if (event.type === "connect") {
        refused = "not: it connected";
        event.peer.send("host: the chat moves to 127.0.0.1:7666"), event.peer.disconnect();
      }
      if (event.type === "disconnect") refused = event.reason;
    });
    const guest = await chat(command, [...args, `127.0.0.1:${stand.port}`, "ada"], "joining");
    try {
      await guest.waitFor("the guest's connection", () => guestAddress !== "");
      stranger.host.connect(guestAddress);
      await guest.waitFor("the stranger's end", () => refused !== "");
      for (const peer of stand.host.peers) peer.send("host: still here");
      await guest.waitFor("the host's line", () => guest.printed().includes("host: still here") || guest.exited());
      assert.equal(refused, "full", guest.printed());
      assert.doesNotMatch(guest.printed(), /7666|is gone/, guest.printed());
    } finally {
      stranger.close();
      stand.close();
      await guest.stop();
    }
  });

  Deno.test(`${program}: a line typed with a bidi control is not sent, and the guest says that is why`, async (t) => {
    if (command === "node") {
      if (!await available("node")) return void await t.step({ name: "node is not installed", ignore: true, fn() {} });
      await built();
    }
    // Refused since the bidi controls were (a review, 2026-12-06), but told "with no tab or control character": a
    // right-to-left mark (U+200F), which a Persian or Hebrew keyboard types, is neither (a review, 2026-12-06).
    const guest = await chat(command, [...args, `127.0.0.1:${freeUdpPort()}`, "ada"], "joining");
    try {
      await guest.type("\u0633\u0644\u0627\u0645\u200f 12");
      await guest.waitFor("the refusal", () => guest.printed().includes("* not sent") || guest.exited());
      assert.match(
        guest.printed(),
        /^\* not sent: .*with no tab, control character or bidi control /mu,
        guest.printed(),
      );
    } finally {
      await guest.stop();
    }
  });

  Deno.test(`${program}: a guest stopped past the timeout (Ctrl-Z, then fg) says it lost the host and joins again`, async (t) => {
    if (command === "node") {
      if (!await available("node")) return void await t.step({ name: "node is not installed", ignore: true, fn() {} });
      await built();
    }
    // Stopped 11 s, past the Hosts' timeout (10 s), the guest said "* the host is gone (timeout)" and exited with 0,
    // the host running on (a review, 2026-12-06). A Host of this test stands in for the chat's host.
    const heard: string[] = [];
    const stand = udpHost((event) => heard.push(event.type === "disconnect" ? event.reason : event.type));
    const guest = await chat(command, [...args, `127.0.0.1:${stand.port}`, "ada"], "joining");
    try {
      await guest.waitFor("the guest's connection", () => heard.includes("connect"));
      guest.kill("SIGSTOP");
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      guest.kill("SIGCONT");
      await guest.waitFor(
        "the guest to join again",
        () => heard.join() === "connect,timeout,connect" || guest.exited(),
      );
      for (const peer of stand.host.peers) peer.send("host: welcome back");
      await guest.waitFor("the host's line", () => guest.printed().includes("host: welcome back") || guest.exited());
      // "closed" when the guest read the host's goodbye (for its silence) before its own timeout came: Node did.
      const again = /^\* lost the host \((timeout|closed)\): joining again\nconnected: type away\n/m;
      assert.match(guest.printed(), again);
      assert.doesNotMatch(guest.printed(), /is gone/, guest.printed());
    } finally {
      stand.close();
      await guest.stop();
    }
  });

  Deno.test(`${program}: a guest whose host went with no goodbye joins again once, then says the host is gone`, async (t) => {
    if (command === "node") {
      if (!await available("node")) return void await t.step({ name: "node is not installed", ignore: true, fn() {} });
      await built();
    }
    // A host whose machine went off, or whose program was killed: the guest lost it (timeout), joined again, and 10 s
    // later said "no host answered … start the host first" and exited with 1, as if no host had run (a review,
    // 2026-12-06). A Host of this test stands in for the chat's host, and goes without a goodbye: its socket closed,
    // its Host no longer updated.
    let connected = false;
    const stand = udpHost((event) => {
      if (event.type === "connect") connected = true;
    });
    const { port } = stand;
    const guest = await chat(command, [...args, `127.0.0.1:${port}`, "ada"], "joining");
    try {
      await guest.waitFor("the guest's connection", () => connected);
      stand.vanish();
      await guest.waitFor(
        "the guest to lose its host",
        () => guest.printed().includes("joining again") || guest.exited(),
      );
      await guest.waitFor("the guest's end", () => guest.exited());
      assert.match(
        guest.printed(),
        new RegExp(
          `^\\* lost the host \\(timeout\\): joining again\n\\* the host is gone \\(it did not answer at 127\\.0\\.0\\.1:${port} again\\)\n`,
          "m",
        ),
        guest.printed(),
      );
      assert.doesNotMatch(guest.printed(), /no host answered/, guest.printed());
    } finally {
      stand.close(); // nothing, once it vanished
      await guest.stop();
    }
  });

  Deno.test(`${program}: a guest held 6.5 s, under the timeout, while its host leaves (Ctrl+D) says the host is gone`, async (t) => {
    if (command === "node") {
      if (!await available("node")) return void await t.step({ name: "node is not installed", ignore: true, fn() {} });
      await built();
    }
    // Held 6.5 s (a laptop asleep, a long stall of a busy machine), under the host's timeout (10 s), while the host left
    // with its goodbye: the guest read that goodbye as one for its own silence (it had stood still over 5 s), said
    // "* lost the host (closed): joining again", then "no host answered … start the host first" and exited with 1 (a
    // review, 2026-12-06). Not SIGSTOP: after SIGCONT a stopped program ran its timers before it read its socket, and
    // the goodbye came a tick too late to misfire (8 runs of 8). This code, run first, holds the thread right after
    // "connected: type away" (Deno through eval, as --preload read the socket a tick late too; Node through --import).
    // A Host of this test stands in for the chat's host, its close() the host's Ctrl+D.
    const hold = `const log = console.log;
let held = false;
console.log = (...args) => {
  log(...args);
  if (held || !String(args[0]).startsWith("connected: type away")) return;
  held = true;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 6500);
};
`;
    const main = `file://${root}${args.at(-1)}`;
    const held = command === "node"
      ? [`--import=data:text/javascript,${encodeURIComponent(hold)}`, ...args]
      : ["eval", "--unstable-net", "--ext=ts", `${hold}await import(${JSON.stringify(main)});`];
    const stand = udpHost();
    try {
      const guest = await chat(command, [...held, `127.0.0.1:${stand.port}`, "ada"], "joining");
      try {
        await guest.waitFor("the guest's connection", () => guest.printed().includes("connected: type away"));
        await new Promise((resolve) => setTimeout(resolve, 1000));
        stand.close(); // its goodbye waits in the held guest's socket
        await guest.waitFor("the guest to end", () => guest.exited() || guest.printed().includes("lost the host"));
        assert.match(guest.printed(), /^\* the host is gone \(closed\)$/m, guest.printed());
        assert.doesNotMatch(guest.printed(), /lost the host|no host answered/, guest.printed());
      } finally {
        await guest.stop();
      }
    } finally {
      stand.close(); // nothing, once it closed above
    }
  });

  Deno.test(`${program}: a guest prints no line of its host's with a bidi control; an emoji's ZWJ shows`, async (t) => {
    if (command === "node") {
      if (!await available("node")) return void await t.step({ name: "node is not installed", ignore: true, fn() {} });
      await built();
    }
    // The guest refused control characters and printed bidi controls (Unicode's Bidi_Control), which turn the text
    // after them around: "host: \u202eevil" showed as "host: live" (a review, 2026-12-06). A Host of this test stands
    // in for the chat's host.
    const stand = udpHost((event) => {
      if (event.type !== "connect") return;
      for (const mark of ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c"]) {
        event.peer.send(`host: a${mark}b 12 - 34`);
      }
      event.peer.send("host: \u{1F469}\u200d\u{1F4BB} still here");
    });
    const guest = await chat(command, [...args, `127.0.0.1:${stand.port}`, "ada"], "joining");
    try {
      await guest.waitFor("the host's last line", () => guest.printed().includes("still here") || guest.exited());
      assert.match(guest.printed(), /^host: \u{1F469}\u200d\u{1F4BB} still here$/mu, guest.printed());
      assert.doesNotMatch(guest.printed(), /\p{Bidi_Control}|12 - 34/u, guest.printed());
    } finally {
      stand.close();
      await guest.stop();
    }
  });
}
