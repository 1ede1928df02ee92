/**
 * `deno task bench:osc [most stars]` (or `deno run -A bench/osc_match.ts`): how long matching an OSC
 * address pattern takes when a stranger builds the pattern to be slow:
 * `/*a*a…*a*b` (k stars before the b) against `/` and 40 a's, which never
 * matches. jamnet's `oscMatch` (osc.ts) against liblo 0.31's
 * `lo_pattern_match`, the matcher liblo's servers dispatch with, called
 * through Python's ctypes (liblo.so.7 comes with Debian's liblo-tools).
 *
 * Each cell is the median of up to 5 runs in one process, fewer once they
 * have taken 1 s (liblo past k = 8: 2 runs, then 1); oscMatch is warmed up
 * first. k runs 2, 4, … up to the argument, 12 by default (liblo then takes
 * about a minute here). A benchmark reports; it never fails the build.
 *
 * @module
 */
import { oscMatch } from "../osc.ts";

const most = Number(Deno.args[0] ?? 12);
const address = "/" + "a".repeat(40);
const pattern = (stars: number) => "/" + "*a".repeat(stars) + "*b";

const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];

/** liblo's time for each k, in ms, measured inside one Python process. */
async function libloTimes(ks: number[]): Promise<(number | string)[]> {
  const script = `import ctypes, json, sys, time
lo = ctypes.CDLL("liblo.so.7")
lo.lo_pattern_match.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
out = []
for pattern in json.load(sys.stdin):
    times = []
    while len(times) < 5 and sum(times) < 1:
        start = time.perf_counter()
        assert lo.lo_pattern_match(${JSON.stringify(address)}.encode(), pattern.encode()) == 0
        times.append(time.perf_counter() - start)
    out.append(sorted(times)[len(times) // 2] * 1000)
print(json.dumps(out))`;
  try {
    const python = new Deno.Command("/usr/bin/python3", { args: ["-c", script], stdin: "piped", stdout: "piped" })
      .spawn();
    const writer = python.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(ks.map(pattern))));
    await writer.close();
    const { success, stdout } = await python.output();
    if (success) return JSON.parse(new TextDecoder().decode(stdout));
  } catch {
    // No python3: the column says so.
  }
  return ks.map(() => "no liblo");
}

const ks = Array.from({ length: Math.floor(most / 2) }, (_, index) => 2 * index + 2);
// Warm-up: the first calls of a function run before V8 optimizes it.
for (let round = 0; round < 200; round++) oscMatch(pattern(2 + round % 12), address);
const liblo = await libloTimes(ks);
console.log("| stars k | pattern bytes | jamnet oscMatch | liblo lo_pattern_match |");
console.log("| ------: | ------------: | --------------: | ---------------------: |");
ks.forEach((stars, index) => {
  const times = Array.from({ length: 5 }, () => {
    const start = performance.now();
    if (oscMatch(pattern(stars), address)) throw new Error("the pattern matched");
    return performance.now() - start;
  });
  const ms = (value: number | string) => typeof value === "number" ? `${value.toFixed(3)} ms` : value;
  console.log(`| ${stars} | ${pattern(stars).length} | ${ms(median(times))} | ${ms(liblo[index])} |`);
});
