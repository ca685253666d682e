import assert from "node:assert/strict";
import { macosFromDarwin } from "../../../src/uv/platform.ts";

Deno.test("macosFromDarwin() maps Darwin kernel releases to macOS versions", () => {
  assert.deepEqual(macosFromDarwin("23.1.0"), [14, 0]);
  assert.deepEqual(macosFromDarwin("20.6.0"), [11, 0]);
  assert.deepEqual(macosFromDarwin("19.6.0"), [10, 15]);
  assert.equal(macosFromDarwin("garbage"), null);
});
