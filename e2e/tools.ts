/**
 * What the e2e tests share: a fresh dist/mod.js, dev-only npm packages
 * installed in a sub-folder on first use, running a program with a deadline,
 * a Host of the test's own over UDP, and a client WebSocket that can stop reading.
 *
 * @module
 */
import { denoUdp, Host, type HostEvent, type WebSocketLike } from "../mod.ts";

export const root: string = new URL("../", import.meta.url).pathname;

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): number {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const { port } = conn.addr as Deno.NetAddr;
  conn.close();
  return port;
}

/**
 * A Host of the test's own on a free UDP port of 127.0.0.1, where it stands in for a program's host or server (or
 * plays a stranger to it, or a client): updated every 5 ms, and each event it polls handed to `onEvent` (dropped
 * without one). `port` is its socket's. `close()` stops the updates and closes the Host, its goodbye sent; `vanish()`
 * stops them and closes the socket alone, as a machine gone off or a program killed does: no goodbye. Once one of the
 * two ran, either does nothing (a test's `finally` may close what its `try` closed or vanished).
 */
export function udpHost(onEvent: (event: HostEvent) => void = () => {}): {
  host: Host;
  port: number;
  close(): void;
  vanish(): void;
} {
  const udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const host = new Host(denoUdp(udp));
  const timer = setInterval(() => {
    host.update();
    for (let event; (event = host.poll());) onEvent(event);
  }, 5);
  let open = true;
  const end = (how: () => void) => {
    clearInterval(timer);
    if (open) open = false, how();
  };
  return {
    host,
    port: (udp.addr as Deno.NetAddr).port,
    close: () => end(() => host.close()),
    vanish: () => end(() => udp.close()),
  };
}

/** Runs a program to its end or its deadline (then kills it); returns its exit and its output. */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<{ success: boolean; output: string }> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd ?? root,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
  const { success, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return { success, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

/** True when `command` runs (`--version` exits 0). */
export async function available(command: string): Promise<boolean> {
  try {
    return (await run(command, ["--version"], { timeoutMs: 20_000 })).success;
  } catch {
    return false;
  }
}

/** Builds dist/mod.js unless it is newer than mod.ts; throws with the build's output when it fails. */
export async function built(): Promise<string> {
  const modified = async (path: string) => (await Deno.stat(root + path).catch(() => undefined))?.mtime?.getTime() ?? 0;
  if (
    await modified("dist/mod.js") < await modified("mod.ts") || await modified("dist/osc.js") < await modified("osc.ts")
  ) {
    const build = await run(Deno.execPath(), ["task", "build"], { timeoutMs: 180_000 });
    // The build writes dist/ before it checks the size budget: a test of the artifact still runs.
    if (!await modified("dist/mod.js")) throw new Error(`deno task build failed:\n${build.output}`);
  }
  return root + "dist/mod.js";
}

/**
 * Installs a sub-folder's dev-only npm packages when node_modules is missing;
 * returns why it could not (npm missing, registry unreachable), or undefined.
 */
export async function npmInstalled(folder: string): Promise<string | undefined> {
  const path = `${root}${folder}`;
  if (await Deno.stat(`${path}/node_modules/.package-lock.json`).catch(() => undefined)) return undefined;
  if (!await available("npm")) return "npm is not installed";
  const install = await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: path,
    timeoutMs: 300_000,
  });
  return install.success ? undefined : `npm install in ${folder} failed: ${install.output.trim().split("\n").at(-1)}`;
}

/**
 * The code block of `language` that follows the paragraph starting with `heading` in README.md's text, verbatim;
 * throws when the README has none right there (a README edit that moved it fails the test that reads it).
 */
export function readmeBlock(readme: string, heading: string, language: string): string {
  const at = readme.indexOf(`\n${heading}`);
  const open = at < 0 ? -1 : readme.indexOf("\n```", at);
  const close = open < 0 ? -1 : readme.indexOf("\n```\n", open + 4);
  const fence = `\n\`\`\`${language}\n`;
  if (open < 0 || close < 0 || !readme.startsWith(fence, open)) {
    throw new Error(`README.md has no \`\`\`${language} block right after the paragraph "${heading}"`);
  }
  return readme.slice(open + fence.length, close + 1);
}

/**
 * A Deno program of this repository started with `args` (from the root, without colours), its stdout and stderr
 * collected as they come: `printed()` and `complaints()` read them so far. `kill(signal)` signals it (a test stops it
 * with SIGSTOP and lets it go on with SIGCONT); `code()` waits for its end and its output, and gives its exit code;
 * `stop()` kills it (going on first, should it be stopped: a stopped process takes no SIGTERM) and waits for its end.
 */
export function spawnDeno(args: string[]): {
  printed(): string;
  complaints(): string;
  kill(signal: Deno.Signal): void;
  code(): Promise<number>;
  stop(): Promise<void>;
} {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let printed = "";
  let complaints = "";
  const collect = (stream: ReadableStream<Uint8Array>, add: (text: string) => void) =>
    stream.pipeThrough(new TextDecoderStream()).pipeTo(new WritableStream({ write: add })).catch(() => {});
  const reading = [
    collect(child.stdout, (text) => void (printed += text)),
    collect(child.stderr, (text) => void (complaints += text)),
  ];
  return {
    printed: () => printed,
    complaints: () => complaints,
    kill: (signal) => child.kill(signal),
    async code() {
      const { code } = await child.status;
      await Promise.all(reading);
      return code;
    },
    async stop() {
      try {
        child.kill("SIGCONT");
        child.kill();
      } catch {
        // it ended already
      }
      await child.status;
      await Promise.all(reading);
    },
  };
}

/**
 * Why `selfSignedCertificate` cannot run here, or undefined when it can. Not `available("openssl")`: OpenSSL 3.0 takes
 * `version`, and answers `--version` with "Invalid command" and exit 1.
 */
export async function missingOpenssl(): Promise<string | undefined> {
  try {
    return (await run("openssl", ["version"], { timeoutMs: 20_000 })).success ? undefined : "openssl version failed";
  } catch {
    return "no openssl";
  }
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost and its private key, PEM, made by openssl in a temporary folder
 * that is gone by the time this returns. CA:FALSE, as a server's certificate must be: openssl's default, a certificate
 * that is its own CA, is refused by Deno's TLS as a server's ("CaUsedAsEndEntity").
 */
export async function selfSignedCertificate(): Promise<{ cert: string; key: string }> {
  const folder = await Deno.makeTempDir({ prefix: "jamnet-tls-" });
  try {
    const { success, output } = await run("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"],
      ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
      ...[
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-keyout",
        `${folder}/key.pem`,
        "-out",
        `${folder}/cert.pem`,
      ],
    ], { timeoutMs: 20_000 });
    if (!success) throw new Error(`openssl could not make a certificate:\n${output}`);
    return { cert: await Deno.readTextFile(`${folder}/cert.pem`), key: await Deno.readTextFile(`${folder}/key.pem`) };
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

/**
 * A client WebSocket written by hand over TCP, so that it can stop reading: a runtime's own WebSocket reads whatever
 * arrives. While paused, what the server sends waits in the kernels' buffers and, once those are full, in the server's
 * `bufferedAmount`; what this side sends (jamnet's keepalives) still goes, as from a player whose game hangs while its
 * network does not. `finished` settles once it is closed and its reads and writes are over.
 */
export async function pausableWebSocket(url: string): Promise<
  WebSocketLike & { pause(): void; resume(): void; readonly closedBy?: string; readonly finished: Promise<void> }
> {
  const { hostname, port, pathname, search } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  await writeAll(
    conn,
    new TextEncoder().encode(
      `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ),
  );
  // What has arrived and is not taken yet: bytes[start..end].
  let bytes = new Uint8Array(1 << 16);
  let start = 0;
  let end = 0;
  const readMore = async () => {
    if (start > 0) (bytes.copyWithin(0, start, end), end -= start, start = 0);
    if (end === bytes.length) {
      const larger = new Uint8Array(bytes.length * 2);
      larger.set(bytes);
      bytes = larger;
    }
    const n = await conn.read(bytes.subarray(end));
    if (n === null) throw new Error("the connection ended");
    end += n;
  };
  const text = () => new TextDecoder().decode(bytes.subarray(start, end));
  while (!text().includes("\r\n\r\n")) await readMore();
  if (!text().startsWith("HTTP/1.1 101")) throw new Error(`not upgraded: ${text()}`);
  start += text().indexOf("\r\n\r\n") + 4;

  const listeners: Record<string, ((event: unknown) => void)[]> = { open: [], message: [], close: [], error: [] };
  let paused = false;
  let wake = () => {};
  let writing = Promise.resolve();
  const socket = {
    readyState: 1,
    url,
    binaryType: "arraybuffer",
    addEventListener: (type: keyof typeof listeners, listener: (event: unknown) => void) =>
      void listeners[type].push(listener),
    send(data: Uint8Array) {
      if (socket.readyState !== 1) return;
      writing = writing.then(() => writeAll(conn, frame(data))).catch((error) => closeWith(String(error)));
    },
    closedBy: undefined as string | undefined,
    close: () => closeWith("this side"),
    pause: () => void (paused = true),
    resume() {
      paused = false;
      wake();
    },
    finished: Promise.resolve(),
  };
  /** Closes it once, and keeps what closed it. */
  function closeWith(by: string) {
    if (socket.readyState === 3) return;
    socket.readyState = 3;
    socket.closedBy = by;
    conn.close();
    wake();
    listeners.close.forEach((listener) => listener({}));
  }
  socket.finished = (async () => {
    try {
      while (socket.readyState === 1) {
        if (paused) {
          await new Promise<void>((resolve) => wake = resolve);
          continue;
        }
        const next = parseFrame(bytes.subarray(start, end));
        if (!next) {
          await readMore();
          continue;
        }
        start += next.length;
        if (next.opcode === 2) listeners.message.forEach((listener) => listener({ data: next.payload.slice().buffer }));
        else if (next.opcode === 8) closeWith("the server's close frame");
        else throw new Error(`a frame of opcode ${next.opcode}: not taken here`);
      }
    } catch (error) {
      closeWith(String(error));
    }
    await writing;
  })();
  return socket;
}

/**
 * The first frame in `bytes` from a server (unmasked, and whole: Deno's server does not split a message), or undefined
 * while it has not all arrived.
 */
function parseFrame(bytes: Uint8Array): { opcode: number; payload: Uint8Array; length: number } | undefined {
  if (bytes.length < 2) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [length, head] = (bytes[1] & 127) === 126
    ? [bytes.length < 4 ? Infinity : view.getUint16(2), 4]
    : (bytes[1] & 127) === 127
    ? [bytes.length < 10 ? Infinity : Number(view.getBigUint64(2)), 10]
    : [bytes[1] & 127, 2];
  if (bytes.length < head + length) return undefined;
  return { opcode: bytes[0] & 15, payload: bytes.subarray(head, head + length), length: head + length };
}

/** A client's frame of one whole binary message, masked as a client's must be. */
function frame(payload: Uint8Array): Uint8Array {
  const head = payload.length < 126 ? 2 : payload.length < 65536 ? 4 : 10;
  const bytes = new Uint8Array(head + 4 + payload.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x82;
  bytes[1] = 0x80 | (head === 2 ? payload.length : head === 4 ? 126 : 127);
  if (head === 4) view.setUint16(2, payload.length);
  if (head === 10) view.setBigUint64(2, BigInt(payload.length));
  const mask = crypto.getRandomValues(new Uint8Array(4));
  bytes.set(mask, head);
  for (let i = 0; i < payload.length; i++) bytes[head + 4 + i] = payload[i] ^ mask[i & 3];
  return bytes;
}

/** Writes all of `bytes`: one write may take only a part. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) written += await conn.write(bytes.subarray(written));
}
