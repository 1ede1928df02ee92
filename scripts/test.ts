/**
 * `deno task test`: every check in one go. Each check runs as its own process
 * with a time limit; the unit tests count one each, every other check counts
 * as one. Ends with the plain line `N passed, N failed` (and `, N skipped`
 * when tests were ignored) and exits 1 when anything failed.
 *
 * @module
 */
import { runDeno } from "./run_deno.ts";

const root = new URL("../", import.meta.url).pathname;

/** Folders no check looks into: build output, installed packages, browser-test output, git's own. */
const EXCLUDED_FOLDERS = ["dist", "node_modules", "e2e/out", "e2e/node/out", ".git"];

/** Every .ts file in the repository outside the excluded folders, as paths from the root, sorted. */
async function typeScriptFiles(): Promise<string[]> {
  const files: string[] = [];
  const folders = [""];
  for (let folder; (folder = folders.pop()) !== undefined;) {
    for await (const entry of Deno.readDir(root + folder)) {
      const path = folder + entry.name;
      if (entry.isDirectory && !EXCLUDED_FOLDERS.some((excluded) => path === excluded || entry.name === excluded)) {
        folders.push(path + "/");
      } else if (entry.isFile && entry.name.endsWith(".ts")) {
        files.push(path);
      }
    }
  }
  return files.sort();
}

const allTypeScript = await typeScriptFiles();

/** The build's output that is committed. */
const DIST_FILES = [
  "dist/mod.js",
  "dist/mod.js.map",
  "dist/mod.d.ts",
  "dist/osc.js",
  "dist/osc.js.map",
  "dist/osc.d.ts",
];

function readOrEmpty(file: string): string {
  try {
    return Deno.readTextFileSync(root + file);
  } catch {
    return "";
  }
}

type Check = {
  name: string;
  args: string[];
  /** Killed past this: a hang fails the check instead of stalling the run. */
  timeLimitMs?: number;
  verify?: (output: string) => string | undefined;
};

// The slowest check, a cold `deno check` of every file, took 25 s on the 2-core machine: 2 minutes is a hang.
const DEFAULT_TIME_LIMIT_MS = 120_000;
// The test step runs the unit, e2e and browser tests together: about 2 min on the 2-core machine, 157 s with two busy
// processes beside it, and the unit tests alone took 442 s with busy processes ahead of them in priority (a review,
// 2026-12-04). On 2026-12-06 the tests of programs stopped past their timeout (each waits 11 s, or 20 s for a host
// gone with no goodbye) took a CI run on a fresh clone from 4 min 40 s to 6 min 56 s. The limit only ends a hang: 15
// minutes leaves room for a slow, shared machine.
const TEST_TIME_LIMIT_MS = 900_000;

/** A check's `verify` that each line is in the output, naming those that are not. */
const prints = (...lines: string[]) => (output: string): string | undefined =>
  lines.filter((line) => !output.includes(line)).map((line) => `no "${line}" in its output`).join("; ") || undefined;

const checks: Check[] = [
  { name: "deno fmt --check", args: ["fmt", "--check"] },
  { name: "deno lint", args: ["lint"] },
  { name: "deno doc --lint mod.ts osc.ts", args: ["doc", "--lint", "mod.ts", "osc.ts"] },
  {
    name: "deno check (all .ts files and mod.ts doc examples)",
    args: ["check", "--lock=deno.lock", "--doc", ...allTypeScript],
  },
  {
    // Checked as a browser module: only the es2022 and dom libs, so Deno, Bun,
    // process and Buffer are unknown names, and mod.ts must import nothing.
    name: "browser check: mod.ts, osc.ts and the lobby's client_lib.ts and .js type-check with es2022 + dom alone",
    args: [
      "check",
      "--config",
      "scripts/browser.json",
      "mod.ts",
      "osc.ts",
      "examples/lobby/client_lib.ts",
      "examples/lobby/client_lib.js",
    ],
    verify: () => {
      // Code only: doc comments may name Deno.listenDatagram for the reader.
      for (const file of ["mod.ts", "osc.ts"]) {
        const source = Deno.readTextFileSync(root + file).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
        const found = source.match(
          /^\s*(import|export)\s.*\sfrom\s|\bimport\(|\b(Deno|Bun|process|Buffer)\.|["']node:/m,
        );
        if (found) return `${file} must import nothing and name no runtime global: found ${found[0].trim()}`;
      }
    },
  },
  {
    // The arena's page is plain JavaScript with JSDoc types (no build step): checked as a browser module.
    name: "browser check: examples/arena/page.js type-checks with es2022 + dom alone",
    args: ["check", "--config", "scripts/browser.json", "examples/arena/page.js"],
  },
  {
    name: "deno task build (esbuild --platform=neutral, d.ts, size ceiling), and dist/ as committed",
    args: ["task", "build"],
    // dist/mod.js, dist/osc.js, their maps and .d.ts files are committed for users who copy one file: they must be
    // what mod.ts and osc.ts build to. Read (from the working tree, which CI's fresh clone makes HEAD's) before the
    // build rewrites them.
    verify: ((committed) => () => {
      const stale = committed.filter(([file, text]) => readOrEmpty(file) !== text).map(([file]) => file);
      return stale.length
        ? `${stale.join(", ")} differ from a fresh build: run deno task build and commit dist/`
        : undefined;
    })(DIST_FILES.map((file) => [file, readOrEmpty(file)])),
  },
  { name: "example: examples/pack.ts", args: ["run", "examples/pack.ts"] },
  { name: "example: examples/bad_link.ts", args: ["run", "examples/bad_link.ts"] },
  {
    name: "example: examples/inputs.ts (held keys to the server, the world back, at 10% loss)",
    args: ["run", "examples/inputs.ts"],
    verify: prints(
      'ann sees {"ann":168,"bob":-162}',
      'bob sees {"ann":168,"bob":-162}',
      "ann: 14% of the server's packets lost, as its acks tell",
      "bob: 11% of the server's packets lost, as its acks tell",
    ),
  },
  {
    name: "example: examples/ws_echo.ts (a WebSocket server and client in one process, every mode echoed)",
    args: ["run", "--allow-net=127.0.0.1", "examples/ws_echo.ts"],
    verify: prints(
      'client got back { mode: "reliable", text: "hello in reliable" }',
      'client got back { mode: "unordered", text: "hello in unordered" }',
      'client got back { mode: "sequenced", text: "hello in sequenced" }',
      'client got back { mode: "unreliable", text: "hello in unreliable" }',
      "(closed)",
    ),
  },
  {
    name: "example: examples/offline/main.ts (a server in a Worker, over a MessagePort)",
    args: ["run", "--allow-read", "examples/offline/main.ts"],
    verify: prints(
      'client: the server says "welcome to the offline server"',
      'client: the world after 10 moves: {"xs":[10]}',
      "server: the player left (closed)",
    ),
  },
  {
    name: "example: examples/osc_bridge.ts (3 s on 127.0.0.1: the pattern in nested bundles reaches /fire)",
    args: ["run", "--allow-net=127.0.0.1", "--allow-read", "examples/osc_bridge.ts"],
    verify: prints(
      'bridge: OSC pattern "/f{ire,oo}" reached /fire',
      "music tool got: /game/paddle f",
      "malformed dropped 1",
      'bridge: no game message for OSC "/\\u009b2J"',
    ),
  },
];

let passed = 0;
let failed = 0;
let skipped = 0;

/** Runs deno with `args` at the root of the repository. */
const run = (args: string[], timeLimitMs: number) => runDeno(args, root, timeLimitMs);

/** The last `lines` lines of a check's output, to show under its FAILED line. */
const tail = (output: string, lines: number) => output.trim().split("\n").slice(-lines).join("\n");

for (const check of checks) {
  const timeLimitMs = check.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const { success, code, timedOut, output } = await run(check.args, timeLimitMs);
  const problem = timedOut
    ? `timed out after ${timeLimitMs / 1000} s and was killed`
    : success
    ? check.verify?.(output)
    : `exited with code ${code}`;
  if (problem) {
    failed++;
    console.log(`FAILED  ${check.name}: ${problem}\n${tail(output, 40)}\n`);
  } else {
    passed++;
    console.log(`ok      ${check.name}`);
    if (check.args[1] === "build") console.log(output.trim().replace(/^/gm, "        "));
  }
}

// Unit tests: Deno's summary is "ok | 66 passed (3 steps) | 0 failed | 2 ignored (6s)"; count its cases.
// The files are named: a bare `deno test` would also run this script. The exit code is checked on its
// own: a stray `Deno.test.only` ends in "0 failed | 97 filtered out" and exit code 1.
const testFiles = allTypeScript.filter((file) => file.endsWith("_test.ts"));
// deno.json says "lock": false, so that `deno task demo` downloads none of the dev tools deno.lock pins (deno task
// installs every npm package of the lockfile in effect, 69 MB, before it runs any task); what uses them names it.
const tests = await run(
  ["test", "--lock=deno.lock", "-A", "--v8-flags=--expose-gc", "--reporter=dot", ...testFiles],
  TEST_TIME_LIMIT_MS,
);
const summary = tests.output.match(/(\d+) passed.*?\| (\d+) failed(?: \| (\d+) ignored)?/);
if (summary) {
  passed += Number(summary[1]);
  failed += Number(summary[2]);
  skipped += Number(summary[3] ?? 0);
}
const testName = `deno test (${testFiles.length} files)`;
if (tests.timedOut) {
  failed++;
  console.log(
    `FAILED  ${testName}: timed out after ${TEST_TIME_LIMIT_MS / 1000} s and was killed\n${tail(tests.output, 80)}\n`,
  );
} else if (!summary || !tests.success) {
  // Counted once more when no test failed on its own: the step failed, whatever its summary says.
  if (!summary || Number(summary[2]) === 0) failed++;
  const why = !summary ? "no summary line" : `exited with code ${tests.code}`;
  console.log(`FAILED  ${testName}: ${why}\n${tail(tests.output, 80)}\n`);
} else {
  console.log(`ok      ${testName}: ${summary[1]} passed${skipped ? `, ${skipped} skipped` : ""}`);
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
Deno.exit(failed ? 1 : 0);
