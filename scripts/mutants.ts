/**
 * `deno task mutants`: does the suite fail when mod.ts is wrong? Each mutant
 * below is a deliberate bug, a find/replace on mod.ts. For each, the project's
 * files are copied to a temporary folder, the bug is applied there, and
 * `deno test -A mod_test.ts` runs with a time limit: a failing or hanging
 * suite kills the mutant, a green one lets it survive. Ends with the plain
 * line `N of M mutants killed` and exits 1 when any survived.
 *
 * A pattern must match mod.ts exactly once: when a reshaping of mod.ts moves
 * the code, the run stops with "pattern not found" and the mutant is
 * retargeted, never silently skipped.
 *
 *     deno task mutants                       all mutants against the current suite
 *     deno task mutants cookie window          only mutants whose name contains a word given
 *     deno task mutants --tests-from=5083fea   the suite (mod_test.ts) as it was at a git commit
 *
 * @module
 */

type Mutant = {
  /** The deliberate bug, as the issue that asked for a test of it names it. */
  name: string;
  /** Find/replace pairs applied to mod.ts in order; each `find` must occur exactly once. */
  edits: [find: string, replace: string][];
};

const MUTANTS: Mutant[] = [
  {
    name: "any non-zero cookie accepted in a HELLO",
    edits: [[
      "if (third !== cookie) return this.#send(undefined, words(CHALLENGE, second, cookie), from);",
      "if (!third) return this.#send(undefined, words(CHALLENGE, second, cookie), from);",
    ]],
  },
  {
    name: "sequenced and unreliable messages dropped whenever the measured loss is over 1%",
    edits: [[
      "if (!due || piece.sentAt === now || size + piece.payload.length + 10 > room) continue;",
      "if ((piece.stream & 3) > 1 && stats.loss > 0.01) { piece.acked = true; continue; }\n" +
      "          if (!due || piece.sentAt === now || size + piece.payload.length + 10 > room) continue;",
    ]],
  },
  {
    name: "unpack allocates an array or map before checking the bytes left",
    edits: [
      ["    need(isMap ? count * 2 : count);\n", ""],
      ["    inputAt -= isMap ? count * 2 : count;\n", ""],
    ],
  },
  {
    name: "sequenceAhead: exactly half the range apart counts as ahead",
    edits: [["return ((a - b + 32768) & 0xffff) - 32768;", "return ((a - b + 32767) & 0xffff) - 32767;"]],
  },
  {
    name: "the send window off by one",
    edits: [[
      "sequenceAhead(piece.sequence, oldest.get(piece.stream)!) < RECEIVE_WINDOW",
      "sequenceAhead(piece.sequence, oldest.get(piece.stream)!) <= RECEIVE_WINDOW",
    ]],
  },
  {
    name: "no exponential backoff of resends",
    edits: [["resendMs * 1.5 ** (piece.sends - 1)", "resendMs"]],
  },
  {
    name: "no RTO: a piece is resent only when later packets show it lost (fast retransmit)",
    edits: [[
      "if (!ride) piece.resendAt = now + Math.min(MAX_RESEND_MS, resendMs * 1.5 ** (piece.sends - 1));",
      "if (!ride) piece.resendAt = Infinity;",
    ]],
  },
  {
    name: "no maxEvents bound",
    edits: [["if (this.#events.length + deliveries.length + 1 > this.#config.maxEvents) return false;", ""]],
  },
  {
    name: "no maxQueuedBytes bound",
    edits: [["if (this.queuedBytes + payload.length > host.maxQueuedBytes) {", "if (false) {"]],
  },
  {
    name: "no held-bytes bound",
    edits: [[
      "if (connection.heldBytes + newBytes > 2 * connection.config.maxMessageBytes + RECEIVE_WINDOW) return false;",
      "",
    ]],
  },
  {
    name: "send() accepts a bad channel",
    edits: [["!(channel >= 0 && channel < host.channels && Number.isInteger(channel))", "false"]],
  },
  {
    name: "a received frame on a channel past the Host's channels is accepted",
    edits: [[
      "if (channel >= connection.config.channels || (mode > 1 && head & FRAGMENT)) return false;",
      "if (mode > 1 && head & FRAGMENT) return false;",
    ]],
  },
  {
    name: "options not validated",
    edits: [["if (!(Number.isInteger(value) && value >= min && value <= max)) {", "if (false) {"]],
  },
  {
    name: "options: the greatest value not checked",
    edits: [[
      "if (!(Number.isInteger(value) && value >= min && value <= max)) {",
      "if (!(Number.isInteger(value) && value >= min)) {",
    ]],
  },
  {
    name: "the async iterator yields nothing",
    edits: [[
      "for (let event; (event = this.poll());) yield event;",
      "for (let event; (event = this.poll());) void event;",
    ]],
  },
  {
    name: "condition() ignores its delay",
    edits: [["setTimeout(() => socket.send(copy, to), delay);", "socket.send(copy, to);"]],
  },
  {
    name: "condition() ignores its loss",
    edits: [[
      "for (const delay of delays(data.length)) {\n        const copy = data.slice();",
      "for (const delay of [options.latencyMs ?? 0]) {\n        const copy = data.slice();",
    ]],
  },
  {
    name: "the goodbye sent once instead of repeated",
    edits: [["const DISCONNECT_REPEATS = 3;", "const DISCONNECT_REPEATS = 1;"]],
  },
  {
    name: "fuzz oracle: a float or 64-bit read trusts the length (DataView's own RangeError escapes)",
    edits: [[
      "  const at = need(byteCount);\n  for (let i = 0; i < byteCount; i++) scratch[i] = input[at + i];\n  return scratchView;",
      "  const at = inputAt;\n  inputAt += byteCount;\n  return new DataView(input.buffer, input.byteOffset + at, byteCount);",
    ]],
  },
  {
    name: "fuzz oracle: malformed input throws a RangeError that is not jamnet's",
    edits: [[
      "throw new RangeError(`Cannot unpack: ${what} at byte ${inputAt}`);",
      "throw new RangeError(`${what} at byte ${inputAt}`);",
    ]],
  },
];

const root = new URL("../", import.meta.url).pathname;
/** What the unit tests read: the README holds the wire table they check; deno.json and deno.lock pin the npm tools. */
const COPIED = ["mod.ts", "mod_test.ts", "README.md", "deno.json", "deno.lock"];
// The suite took 11 s here (2026-12); a mutant that hangs it is killed after a minute.
const TIME_LIMIT_MS = 60_000;

const words = Deno.args.filter((arg) => !arg.startsWith("--"));
const testsFrom = Deno.args.find((arg) => arg.startsWith("--tests-from="))?.slice("--tests-from=".length);
const chosen = MUTANTS.filter((mutant) => !words.length || words.some((word) => mutant.name.includes(word)));
if (!chosen.length) throw new Error(`No mutant's name contains any of: ${words.join(", ")}`);

const original = await Deno.readTextFile(root + "mod.ts");

/** mod.ts with the mutant's bug, or an error naming the pattern that no longer matches once. */
function apply(mutant: Mutant): string {
  let source = original;
  for (const [find, replace] of mutant.edits) {
    const count = source.split(find).length - 1;
    if (count !== 1) {
      throw new Error(
        `Mutant "${mutant.name}": pattern ${count ? `found ${count} times` : "not found"} in mod.ts: ${
          JSON.stringify(find)
        }`,
      );
    }
    source = source.replace(find, () => replace);
  }
  return source;
}

// Every pattern is checked before anything runs: a stale one fails at once and loudly.
const problems = chosen.flatMap((mutant) => {
  try {
    apply(mutant);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
});
if (problems.length) {
  console.log(problems.join("\n"));
  console.log(`${problems.length} mutant patterns no longer match mod.ts: retarget them`);
  Deno.exit(1);
}

const folder = await Deno.makeTempDir({ prefix: "jamnet_mutants_" });
for (const file of COPIED) await Deno.copyFile(root + file, `${folder}/${file}`);
if (testsFrom) {
  const shown = await new Deno.Command("git", { args: ["show", `${testsFrom}:mod_test.ts`], cwd: root }).output();
  if (!shown.success) {
    throw new Error(`git show ${testsFrom}:mod_test.ts failed: ${new TextDecoder().decode(shown.stderr)}`);
  }
  await Deno.writeFile(`${folder}/mod_test.ts`, shown.stdout);
}

type Verdict = { verdict: "passed" | "failed" | "timed out" | "broken"; failing: string[]; output: string };

/** Runs the suite in the copy: "failed" and "timed out" kill a mutant; "broken" is a mutant that did not load. */
async function runSuite(): Promise<Verdict> {
  const child = new Deno.Command(Deno.execPath(), {
    // --no-check: a mutant that does not type-check would count as killed without a test failing.
    args: ["test", "-A", "--no-check", "--reporter=dot", "mod_test.ts"],
    cwd: folder,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, TIME_LIMIT_MS);
  const { success, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  // The dot reporter lists each failed test as "name => mod_test.ts:123:6".
  const failing = [...new Set([...output.matchAll(/^(.+?) => \S+_test\.ts:\d+:\d+$/gm)].map((match) => match[1]))];
  const summary = /\| (\d+) failed/.exec(output);
  const verdict = timedOut ? "timed out" : success ? "passed" : summary && Number(summary[1]) > 0 ? "failed" : "broken";
  return { verdict, failing, output };
}

try {
  const baseline = await runSuite();
  if (baseline.verdict !== "passed") {
    console.log(baseline.output.trim().split("\n").slice(-40).join("\n"));
    throw new Error(`The suite ${baseline.verdict} on the unchanged mod.ts: no mutant can be judged`);
  }
  let killed = 0;
  const survivors: string[] = [];
  for (const mutant of chosen) {
    await Deno.writeTextFile(`${folder}/mod.ts`, apply(mutant));
    const started = performance.now();
    const { verdict, failing, output } = await runSuite();
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    if (verdict === "broken") {
      console.log(output.trim().split("\n").slice(-20).join("\n"));
      throw new Error(`Mutant "${mutant.name}" did not load: fix its replacement`);
    }
    if (verdict === "passed") {
      survivors.push(mutant.name);
      console.log(`SURVIVED  ${mutant.name} (${seconds} s)`);
    } else {
      killed++;
      const by = verdict === "timed out" ? `the suite hung past ${TIME_LIMIT_MS / 1000} s` : failing.join("; ");
      console.log(`killed    ${mutant.name} (${seconds} s) by: ${by}`);
    }
  }
  console.log(
    `${killed} of ${chosen.length} mutants killed${survivors.length ? `; survived: ${survivors.join("; ")}` : ""}`,
  );
  Deno.exitCode = survivors.length ? 1 : 0;
} finally {
  await Deno.remove(folder, { recursive: true });
}
