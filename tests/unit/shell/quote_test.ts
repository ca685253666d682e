import assert from "node:assert/strict";
import { fishQuote, shQuote } from "../../../src/shell/quote.ts";

Deno.test("shQuote() wraps in single quotes and writes ' as '\\''", () => {
  const table: Array<[string, string]> = [
    ["plain", "'plain'"],
    ["", "''"],
    ["it's", `'it'\\''s'`],
    ["$HOME", "'$HOME'"],
    ["a\nb", "'a\nb'"],
  ];
  for (const [input, want] of table) assert.equal(shQuote(input), want, input);
});

Deno.test("fishQuote() escapes only backslash and single quote", () => {
  const table: Array<[string, string]> = [
    ["plain", "'plain'"],
    ["it's", "'it\\'s'"],
    ["a\\b", "'a\\\\b'"],
    ["$HOME (x)", "'$HOME (x)'"],
  ];
  for (const [input, want] of table) assert.equal(fishQuote(input), want, input);
});
