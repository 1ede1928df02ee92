// Run by e2e/node_test.ts as `node --test e2e/node/`: "__proto__" as a key, where Node (unlike Deno) still has
// Object.prototype's __proto__ setter, so `object["__proto__"] = value` would set the prototype.
import assert from "node:assert/strict";
import { test } from "node:test";
import { lerp, pack, unpack } from "../../dist/mod.js";

test('unpack and lerp keep "__proto__" an own key, never the prototype', () => {
  const [a, b] = [0, 10].map((x) => unpack(pack(new Map([["x", x], ["__proto__", { admin: true }]]))));
  for (const value of [b, lerp(a, b, 0.5)]) {
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ["x", "__proto__"]);
    assert.equal(value.admin, undefined);
  }
  assert.equal(lerp(a, b, 0.5).x, 5);
});
