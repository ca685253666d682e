import assert from "node:assert/strict";
import { changeLines, describeChanges, diffPackages } from "../../../src/venv/changes.ts";

Deno.test("diffPackages() counts installed, upgraded, downgraded and removed", () => {
  const before = new Map([["a", "1.0"], ["b", "2.0"], ["c", "1.0"], ["d", "3.0"]]);
  const after = new Map([["a", "1.0"], ["b", "2.1"], ["d", "2.9"], ["e", "1"], ["f", "1"]]);
  assert.deepEqual(diffPackages(before, after), {
    installed: 2,
    upgraded: 1,
    downgraded: 1,
    removed: 1,
  });
  assert.deepEqual(diffPackages(new Map(), new Map([["a", "1"]])), {
    installed: 1,
    upgraded: 0,
    downgraded: 0,
    removed: 0,
  });
});

Deno.test("describeChanges() always says how many were installed, the rest when not zero", () => {
  assert.equal(
    describeChanges({ installed: 0, upgraded: 0, downgraded: 0, removed: 0 }),
    "0 installed",
  );
  assert.equal(
    describeChanges({ installed: 6, upgraded: 1, downgraded: 0, removed: 2 }),
    "6 installed, 1 upgraded, 2 removed",
  );
});

Deno.test("changeLines() lists each change as uv does, sorted by name", () => {
  const before = new Map([["b", "1.0"], ["c", "1.0"], ["d", "2"]]);
  const after = new Map([["a", "0.1"], ["b", "1.1"], ["d", "2"]]);
  assert.deepEqual(changeLines(before, after), ["+ a==0.1", "~ b 1.0 -> 1.1", "- c==1.0"]);
});
