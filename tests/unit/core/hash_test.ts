import assert from "node:assert/strict";
import { fastHash } from "../../../src/core/hash.ts";

Deno.test("fastHash() is 32 hex digits, stable, and differs for near strings", () => {
  const a = fastHash("repo\0/home/u/app\0\0\0");
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.equal(fastHash("repo\0/home/u/app\0\0\0"), a);
  const seen = new Set<string>();
  for (let i = 0; i < 20000; i++) seen.add(fastHash(`repo\0/home/u/app${i}`));
  seen.add(fastHash(""));
  seen.add(fastHash("a"));
  seen.add(fastHash("b"));
  assert.equal(seen.size, 20003, "no collision among 20,003 near inputs");
});
