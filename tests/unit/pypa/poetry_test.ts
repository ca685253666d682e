import assert from "node:assert/strict";
import { poetryConstraint } from "../../../src/pypa/poetry.ts";

Deno.test("poetryConstraint() turns poetry's constraints into PEP 440 alternatives", () => {
  const cases: Array<[string, string[] | null]> = [
    ["^3.10", [">=3.10,<4"]],
    ["^3.10.2", [">=3.10.2,<4"]],
    ["^0.2", [">=0.2,<0.3"]],
    ["~3.10", [">=3.10,<3.11"]],
    ["~3.10.2", [">=3.10.2,<3.11"]],
    ["~3", [">=3,<4"]],
    [">=3.8,<4.0", [">=3.8,<4.0"]],
    [">=3.8 <4.0", [">=3.8,<4.0"]],
    ["3.11.*", ["==3.11.*"]],
    ["3.11", ["==3.11.*"]],
    ["~=3.9", ["~=3.9"]],
    ["*", [""]],
    ["^3.8 || ^3.10", [">=3.8,<4", ">=3.10,<4"]],
    ["^three", null],
    ["latest", null],
  ];
  for (const [text, want] of cases) assert.deepEqual(poetryConstraint(text), want, text);
});
