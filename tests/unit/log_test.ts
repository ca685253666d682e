import assert from "node:assert/strict";
import { fitDetail } from "../../src/log.ts";

Deno.test("fitDetail() keeps a detail that fits, cuts one that does not, and drops one too short to cut", () => {
  assert.equal(fitDetail("3/15 installed, numpy", 0), "3/15 installed, numpy");
  assert.equal(fitDetail("3/15 installed, numpy", -5), "3/15 installed, numpy");
  // 5 over: the line loses 5 characters, the `…` taking the place of one more.
  const cut = fitDetail("3/15 installed, numpy", 5);
  assert.equal(cut, "3/15 installed,…");
  assert.equal(" 3/15 installed, numpy".length - (" " + cut).length, 5);
  // Over by as much as the detail and its space (`8/9 installed, pandas` at 36 columns):
  // no part of it fits, so none is drawn, and the line does not wrap.
  assert.equal(fitDetail("8/9 installed, pandas", 21), "");
  assert.equal(fitDetail("9/9 installed", 13), "");
  assert.equal(fitDetail("9/9 installed", 40), "");
});
