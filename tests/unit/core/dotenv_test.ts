import assert from "node:assert/strict";
import { ConfigError, EXIT } from "../../../src/core/errors.ts";
import { parseDotenv } from "../../../src/core/dotenv.ts";

const GOOD: Array<[string, string, Record<string, string>]> = [
  ["plain pairs", "A=1\nB=two\n", { A: "1", B: "two" }],
  ["an export prefix", "export A=1\nexport\tB=2", { A: "1", B: "2" }],
  ["spaces around =", "A = 1 \n", { A: "1" }],
  ["an empty value", "A=\nB=''\nC=\"\"", { A: "", B: "", C: "" }],
  ["comments and blank lines", "# c\n\n  # indented\nA=1 # inline\nB=x#notcomment\nC=#value", {
    A: "1",
    B: "x#notcomment",
    C: "#value",
  }],
  ["single quotes, taken literally", "A='a\\nb $X # not'", { A: "a\\nb $X # not" }],
  ["double quotes with escapes", 'A="a\\nb\\t\\"c\\" \\\\ \\q"', { A: 'a\nb\t"c" \\ \\q' }],
  ["a comment after quotes", "A=\"x\" # c\nB='y'   ", { A: "x", B: "y" }],
  ["a multi-line quoted value", 'KEY="-----BEGIN\nabc\n-----END"\nB=2', {
    KEY: "-----BEGIN\nabc\n-----END",
    B: "2",
  }],
  ["CRLF and a BOM", "\uFEFFA=1\r\nB=2\r\n", { A: "1", B: "2" }],
  ["later assignments winning", "A=1\nA=2", { A: "2" }],
  ["an = inside the value", "URL=https://x/?a=b", { URL: "https://x/?a=b" }],
];
for (const [what, text, want] of GOOD) {
  Deno.test(`parseDotenv() reads ${what}`, () => {
    assert.deepEqual(parseDotenv(text, ".env"), want);
  });
}

const BAD: Array<[string, string, RegExp]> = [
  ["a line without =", "A=1\nSECRETVALUE\n", /^\.env:2: expected KEY=VALUE, found no `=`$/],
  ["a bad name", "1A=x", /^\.env:1: the variable name is not valid/],
  ["an empty name", "=x", /^\.env:1: the variable name is not valid/],
  ["an unclosed double quote", 'A="abc\nB=1', /^\.env:1: the double-quoted value is not closed$/],
  ["an unclosed single quote", "A='abc", /^\.env:1: the single-quoted value is not closed$/],
  [
    "text after a closing quote",
    "X=1\nA='abc' def",
    /^\.env:2: unexpected text after the closing quote$/,
  ],
];
for (const [what, text, re] of BAD) {
  Deno.test(`parseDotenv() rejects ${what} with exit 3 and no value in the message`, () => {
    assert.throws(() => parseDotenv(text, ".env"), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.exitCode, EXIT.CONFIG);
      assert.match(e.message, re);
      assert.ok(!/SECRETVALUE|abc|def/.test(e.message + (e.hint ?? "")));
      return true;
    });
  });
}
