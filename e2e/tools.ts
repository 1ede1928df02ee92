/**
 * What the e2e tests share: a fresh dist/mod.js, dev-only npm packages
 * installed in a sub-folder on first use, running a program with a deadline,
 * and a Host of the test's own over UDP.
 *
 * @module
 */
import { denoUdp, Host, type HostEvent } from "../mod.ts";

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
