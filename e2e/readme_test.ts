/**
 * The README's first program, the ```ts block after "**Deno, by URL.**",
 * read from README.md as it is and run: a server and a client over Deno UDP
 * on 127.0.0.1 say hello, welcome and goodbye, and the program ends by
 * itself. Only two things are swapped: the import's URL for this mod.ts, and
 * port 7000 for a free one (another test or a chat may hold 7000). And the
 * OSC section's dispatch block, run with its import pointed at this osc.ts;
 * the number of tests the walk through the arena says a copy brings; and the
 * OSC section's counts of the tests in osc_test.ts and osc_liblo_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { freeUdpPort, readmeBlock, root, run } from "./tools.ts";

const HEADING = "**Deno, by URL.**";
const URL_IMPORT = "https://raw.githubusercontent.com/<owner>/jamnet/<commit>/mod.ts";

Deno.test("the README's Deno program runs as printed: connect, hello, welcome, a clean goodbye, and it ends", async () => {
  const code = readmeBlock(await Deno.readTextFile(`${root}README.md`), HEADING, "ts");
  // Each swap must find its text: a README that drops one fails here, not with a program that connects nowhere.
  assert.equal(code.split(URL_IMPORT).length, 2, `the block imports ${URL_IMPORT}`);
  assert.equal(code.split(":7000").length, 2, `the block connects to "127.0.0.1:7000" once`);
  assert.equal(code.split("udp(7000)").length, 2, "the block binds its server with udp(7000) once");
  const port = freeUdpPort();
  const program = code.replace(URL_IMPORT, `${root}mod.ts`).replace(":7000", `:${port}`).replace(
    "udp(7000)",
    `udp(${port})`,
  );
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, program);
    const { success, output } = await run(
      Deno.execPath(),
      ["run", "--unstable-net", "--allow-net=127.0.0.1", "--allow-read", file],
      { timeoutMs: 30_000 },
    );
    assert.ok(success, `the program failed or hung:\n${output}`);
    const lines = output.trim().split("\n");
    assert.match(lines[0], /^server connect 127\.0\.0\.1:\d+$/);
    assert.deepEqual(lines.slice(1), [
      `client connect 127.0.0.1:${port}`,
      `server message { t: "hello" }`,
      `client message { t: "welcome" }`,
      `server disconnect closed`,
    ]);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("the README's OSC dispatch program runs as printed: /player/*/fire reaches both players' methods", async () => {
  const code = readmeBlock(await Deno.readTextFile(`${root}README.md`), "Dispatch a received message", "ts");
  assert.equal(code.split('from "./osc.ts"').length, 2, 'the block imports "./osc.ts" once');
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, code.replace('from "./osc.ts"', `from "${root}osc.ts"`));
    const { success, output } = await run(Deno.execPath(), ["run", file], { timeoutMs: 30_000 });
    assert.ok(success, `the program failed or hung:\n${output}`);
    assert.deepEqual(output.trim().split("\n"), ["player 1 fires", "player 2 fires"]);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("the README's count of the tests a copy of the arena brings is the arena's count", async () => {
  const readme = await Deno.readTextFile(`${root}README.md`);
  const stated = readme.match(/deno test -A examples\/mygame\/ +# (\d+) tests/)?.[1];
  assert.ok(stated, "the README's walk through the arena says how many tests `deno test -A examples/mygame/` runs");
  // A filter that matches no test: deno lists every test as filtered out, and runs none.
  const { success, output } = await run(Deno.execPath(), [
    "test",
    "-A",
    "--no-check",
    "examples/arena/",
    "--filter",
    "no test has this name",
  ]);
  assert.ok(success, output);
  assert.match(output, new RegExp(`\\| ${stated} filtered out`), `README says ${stated}; deno test says:\n${output}`);
  assert.ok(readme.includes(`passed all ${stated}.`), `the copy with a speed of 320 "passed all ${stated}"`);
});

Deno.test("the README's counts of the OSC tests are the files' counts", async () => {
  const readme = await Deno.readTextFile(`${root}README.md`);
  for (const file of ["osc_test.ts", "osc_liblo_test.ts"]) {
    const stated = readme.match(new RegExp(`deno test -A ${file.replace(".", "\\.")}\`[\\s\\S]{0,400}?\`(\\d+) passed`))
      ?.[1];
    assert.ok(stated, `the README says how many tests \`deno test -A ${file}\` passes`);
    // A filter that matches no test lists every test as filtered out, the ignored ones (no liblo) too.
    const { success, output } = await run(Deno.execPath(), [
      "test",
      "-A",
      "--no-check",
      file,
      "--filter",
      "no test has this name",
    ]);
    assert.ok(success, output);
    assert.match(output, new RegExp(`\\| ${stated} filtered out`), `README says ${stated}; deno test says:\n${output}`);
  }
});
