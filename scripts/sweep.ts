/**
 * `deno run -A scripts/sweep.ts FROM-TO[,FROM-TO…] [PARALLEL]`: an operator-flip sweep of mod.ts, to find what the
 * unit tests never check. For every code line in the ranges (line numbers of mod.ts) and every operator on it that
 * has a flip (`===`/`!==`, `==`/`!=`, `<`/`<=`, `>`/`>=`, `&&`/`||`, `+ 1`/`- 1`, `return true`/`return false`, `!(`
 * dropped), one mutant: the line changed, the rest of mod.ts as it is. Each runs the unit-test files with
 * `--fail-fast` in a copy of the project (PARALLEL copies, 2 by default), and prints `killed` or `SURVIVED` with the
 * line. A survivor is a behaviour no test pins, or an equivalent change (one that cannot be told apart, such as a
 * bound the code before it already enforces): read each one. `deno task mutants` keeps the curated mutants, each
 * named; this finds candidates for it. `SWEEP_FILE=osc.ts SWEEP_TESTS=osc_test.ts,osc_liblo_test.ts` sweeps another
 * file of the project against the test files named.
 *
 * @module
 */
const root = new URL("../", import.meta.url).pathname;
const FILE = Deno.env.get("SWEEP_FILE") ?? "mod.ts";
const lines = Deno.readTextFileSync(`${root}${FILE}`).split("\n");
if (!Deno.args[0]) throw new Error("usage: deno run -A scripts/sweep.ts FROM-TO[,FROM-TO…] [PARALLEL]");
const ranges = Deno.args[0].split(",").map((range) => range.split("-").map(Number));
const PARALLEL = Number(Deno.args[1] ?? 2);
const FLIPS: [RegExp, string][] = [
  [/ === /g, " !== "],
  [/ !== /g, " === "],
  [/ == /g, " != "],
  [/ != /g, " == "],
  [/ < /g, " <= "],
  [/ <= /g, " < "],
  [/ > /g, " >= "],
  [/ >= /g, " > "],
  [/ && /g, " || "],
  [/ \|\| /g, " && "],
  [/ \+ 1\b/g, " - 1"],
  [/ - 1\b/g, " + 1"],
  [/\breturn false;/g, "return true;"],
  [/\breturn true;/g, "return false;"],
  [/!\(/g, "("],
];
const TEST_FILES = Deno.env.get("SWEEP_TESTS")?.split(",") ??
  ["security_test.ts", "mod_test.ts", "state_test.ts", "sockets_test.ts", "osc_test.ts"];

type Mutant = { line: number; mutated: string };
const mutants: Mutant[] = [];
for (const [from, to] of ranges) {
  for (let line = from; line <= to; line++) {
    const text = lines[line - 1];
    const code = text.replace(/\/\/.*$/, ""); // a line's comment is no code
    if (/^\s*(\*|\/\*\*|\/\/)/.test(text) || !code.trim()) continue;
    for (const [pattern, flipped] of FLIPS) {
      for (const match of code.matchAll(pattern)) {
        const at = match.index!;
        mutants.push({ line, mutated: text.slice(0, at) + flipped + text.slice(at + match[0].length) });
      }
    }
  }
}
console.log(`${mutants.length} mutants`);

/** Runs one mutant in the copy `folder`; prints its verdict. */
async function run(mutant: Mutant, folder: string): Promise<void> {
  const copy = [...lines];
  copy[mutant.line - 1] = mutant.mutated;
  await Deno.writeTextFile(`${folder}/${FILE}`, copy.join("\n"));
  const started = performance.now();
  const args = ["240", Deno.execPath(), "test", "-A", "--v8-flags=--expose-gc", "--fail-fast", "--no-check"];
  const { code } = await new Deno.Command("timeout", {
    args: [...args, ...TEST_FILES],
    cwd: folder,
    stdout: "null",
    stderr: "null",
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
  }).output();
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`${code === 0 ? "SURVIVED" : "killed"} ${mutant.line} (${seconds} s): ${mutant.mutated.trim()}`);
}

const folders = await Promise.all(Array.from({ length: PARALLEL }, async () => {
  const folder = await Deno.makeTempDir({ prefix: "jamnet-sweep-" });
  await new Deno.Command("cp", { args: ["-r", `${root}.`, folder] }).output();
  return folder;
}));
let next = 0;
await Promise.all(folders.map(async (folder) => {
  while (next < mutants.length) await run(mutants[next++], folder);
  await Deno.remove(folder, { recursive: true });
}));
