/**
 * `deno task test`: every check in one go. Each check runs as its own process;
 * the unit tests count one each, every other check counts as one. Ends with the
 * plain line `N passed, N failed` and exits 1 when anything failed.
 *
 * @module
 */

const root = new URL("../", import.meta.url).pathname;

/** Every .ts file the project owns, for `deno check`. */
async function typeScriptFiles(): Promise<string[]> {
  const files = ["mod.ts", "mod_test.ts", "security_test.ts"];
  const folders = ["examples", "scripts", "bench"];
  for (const folder of folders) {
    try {
      for await (const entry of Deno.readDir(root + folder)) {
        if (entry.isFile && entry.name.endsWith(".ts")) files.push(`${folder}/${entry.name}`);
        else if (entry.isDirectory && entry.name !== "node_modules") folders.push(`${folder}/${entry.name}`);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return files.sort();
}

type Check = { name: string; args: string[]; verify?: (output: string) => string | undefined };

const checks: Check[] = [
  { name: "deno fmt --check", args: ["fmt", "--check"] },
  { name: "deno lint", args: ["lint"] },
  { name: "deno doc --lint mod.ts", args: ["doc", "--lint", "mod.ts"] },
  { name: "deno check (all .ts files and mod.ts doc examples)", args: ["check", "--doc", ...await typeScriptFiles()] },
  {
    // Checked as a browser module: only the es2022 and dom libs, so Deno, Bun,
    // process and Buffer are unknown names, and mod.ts must import nothing.
    name: "browser check: mod.ts type-checks with es2022 + dom alone, imports nothing",
    args: ["check", "--config", "scripts/browser.json", "mod.ts"],
    verify: () => {
      const source = Deno.readTextFileSync(root + "mod.ts");
      const found = source.match(/^\s*(import|export)\s.*\sfrom\s|\bimport\(|\b(Deno|Bun|process|Buffer)\.|["']node:/m);
      return found ? `mod.ts must import nothing and name no runtime global: found ${found[0].trim()}` : undefined;
    },
  },
  { name: "deno task build (esbuild --platform=neutral, d.ts, size budgets)", args: ["task", "build"] },
  { name: "example: examples/pack.ts", args: ["run", "examples/pack.ts"] },
  { name: "example: examples/bad_link.ts", args: ["run", "examples/bad_link.ts"] },
];

let passed = 0;
let failed = 0;
const deno = Deno.execPath();

async function run(args: string[]): Promise<{ success: boolean; output: string }> {
  const { success, stdout, stderr } = await new Deno.Command(deno, {
    args,
    cwd: root,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const output = (decoder.decode(stdout) + decoder.decode(stderr)).replace(/^Download .*\n/gm, "");
  return { success, output };
}

for (const check of checks) {
  const { success, output } = await run(check.args);
  const problem = success ? check.verify?.(output) : "exited with an error";
  if (problem) {
    failed++;
    console.log(`FAILED  ${check.name}: ${problem}\n${output.trim().split("\n").slice(-40).join("\n")}\n`);
  } else {
    passed++;
    console.log(`ok      ${check.name}`);
    if (check.args[1] === "build") console.log(output.trim().replace(/^/gm, "        "));
  }
}

// Unit tests: Deno's summary is "ok | 66 passed | 0 failed"; count its cases.
// The files are named: a bare `deno test` would also run this script.
const testFiles = (await typeScriptFiles()).filter((file) => file.endsWith("_test.ts"));
const tests = await run(["test", "-A", "--v8-flags=--expose-gc", "--reporter=dot", ...testFiles]);
const summary = tests.output.match(/(\d+) passed.*?\| (\d+) failed/);
if (summary) {
  passed += Number(summary[1]);
  failed += Number(summary[2]);
}
if (!summary || !tests.success) {
  if (!summary) failed++;
  console.log(`FAILED  deno test\n${tests.output.trim().split("\n").slice(-80).join("\n")}\n`);
} else {
  console.log(`ok      deno test: ${summary[1]} passed`);
}

console.log(`${passed} passed, ${failed} failed`);
Deno.exit(failed ? 1 : 0);
