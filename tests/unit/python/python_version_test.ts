import assert from "node:assert/strict";
import { ConfigError, EXIT } from "../../../src/core/errors.ts";
import {
  parsePythonRequest,
  parsePythonVersionFile,
  requestFromSpecifier,
} from "../../../src/python/python_version.ts";

type Want = [specifier: string | null, implementation: string | null, freethreaded: boolean];

const REQUESTS: Array<[string, Want]> = [
  ["3", ["==3.*", null, false]],
  ["3.12", ["==3.12.*", null, false]],
  ["3.12.1", ["==3.12.1", null, false]],
  ["2.7", ["==2.7.*", null, false]],
  ["3.13.0rc1", ["==3.13.0rc1", null, false]],
  ["3.13t", ["==3.13.*", null, true]],
  ["3.13.1t", ["==3.13.1", null, true]],
  ["3.13+freethreaded", ["==3.13.*", null, true]],
  ["3.13-dev", ["==3.13.*", null, false]],
  [">=3.10,<3.13", [">=3.10,<3.13", null, false]],
  [">= 3.10, < 3.13", [">=3.10,<3.13", null, false]],
  ["~=3.12", ["~=3.12", null, false]],
  ["==3.11.*", ["==3.11.*", null, false]],
  ["cpython@3.12", ["==3.12.*", "cpython", false]],
  ["CPython@3.12", ["==3.12.*", "cpython", false]],
  ["cpython-3.12", ["==3.12.*", "cpython", false]],
  ["cpython3.12", ["==3.12.*", "cpython", false]],
  ["cpython-3.12.1-linux-x86_64-gnu", ["==3.12.1", "cpython", false]],
  ["cpython@>=3.12", [">=3.12", "cpython", false]],
  ["cp312", ["==3.12.*", "cpython", false]],
  ["pypy3.10", ["==3.10.*", "pypy", false]],
  ["pypy@3.10", ["==3.10.*", "pypy", false]],
  ["pypy3.10-7.3.15", ["==3.10.*", "pypy", false]],
  ["pypy", [null, "pypy", false]],
  ["python3.11", ["==3.11.*", null, false]],
  ["python3", ["==3.*", null, false]],
  ["any", [null, null, false]],
];
for (const [text, [specifier, implementation, freethreaded]] of REQUESTS) {
  Deno.test(`parsePythonRequest() reads ${JSON.stringify(text)}`, () => {
    assert.deepEqual(parsePythonRequest(text), {
      raw: text,
      specifier,
      implementation,
      freethreaded,
    });
  });
}

const NOT_REQUESTS = [
  "",
  "system",
  "miniconda3-latest",
  "3.12.1/envs/myenv",
  "myvenv",
  "3.x",
  ">=",
  ">=3.10,,<3.13",
  "cpython@",
  "pypyx",
  "3.12.1.2.3",
  "3.12rc1-dev",
  "=>3.10",
];
for (const text of NOT_REQUESTS) {
  Deno.test(`parsePythonRequest() refuses ${JSON.stringify(text)}`, () => {
    assert.equal(parsePythonRequest(text), null);
  });
}

Deno.test("requestFromSpecifier() keeps what the user wrote and turns 3.11 into ==3.11.*", () => {
  assert.deepEqual(requestFromSpecifier(" 3.11 ", "x"), {
    raw: "3.11",
    specifier: "==3.11.*",
    implementation: null,
    freethreaded: false,
  });
});

for (const bad of ["3.x", "latest", ">=3.10 <3.13", "", "system"]) {
  Deno.test(`requestFromSpecifier() rejects ${JSON.stringify(bad)} with exit 3 naming the source`, () => {
    assert.throws(() => requestFromSpecifier(bad, "--python"), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.exitCode, EXIT.CONFIG);
      assert.match(e.message, /^--python: `.*` is not a Python version or PEP 440 specifier$/);
      assert.ok(e.hint);
      return true;
    });
  });
}

const FILES: Array<[string, string, string[], string[]]> = [
  ["a single version", "3.12\n", ["==3.12.*"], []],
  ["no trailing newline", "3.12.1", ["==3.12.1"], []],
  ["a BOM and CRLF", "\uFEFF3.12\r\n3.11\r\n", ["==3.12.*", "==3.11.*"], []],
  ["comments and blank lines", "# pinned\n\n  3.12  # inline\n\n#3.9\n", ["==3.12.*"], []],
  ["several lines in order", "3.13t\npypy3.10\ncpython@3.11\n", [
    "==3.13.*",
    "==3.10.*",
    "==3.11.*",
  ], []],
  ["pyenv's several versions on one line", "3.12 3.11\n", ["==3.12.*", "==3.11.*"], []],
  ["a range with spaces", ">=3.10, <3.13\n", [">=3.10,<3.13"], []],
  // pyenv's `system` is a choice (the Python on PATH), not a requirement, and no warning.
  ["system", "system\n3.12\n", ["==3.12.*"], []],
  ["unknown words", "3.12\nmyenv\n", ["==3.12.*"], [
    "f:2: ignored `myenv`: not a Python version request",
  ]],
  ["a range without a comma", ">=3.10 <3.13\n", [], [
    "f:1: ignored `>=3.10 <3.13`: not a valid PEP 440 specifier",
  ]],
  ["a mixed line", "3.12 nope\n", ["==3.12.*"], ["f:1: ignored `nope`"]],
  ["only comments", "# nothing\n", [], []],
  ["an empty file", "", [], []],
  ["control characters", "\u0001\n", [], ["f:1: ignored `?`"]],
];
for (const [what, text, specs, warnings] of FILES) {
  Deno.test(`parsePythonVersionFile() handles ${what}`, () => {
    const out = parsePythonVersionFile(text, "f");
    assert.deepEqual(out.requests.map((r) => r.specifier), specs);
    assert.equal(out.warnings.length, warnings.length, out.warnings.join("\n"));
    warnings.forEach((w, i) => assert.ok(out.warnings[i].startsWith(w), out.warnings[i]));
  });
}

Deno.test("parsePythonVersionFile() returns the words that name an interpreter (a pyenv-virtualenv env) with no warning", () => {
  const out = parsePythonVersionFile(
    "myproj-3.12\n3.12.1/envs/myproj system\nnope\n",
    "f",
    (w) => w === "system" || w.includes("myproj"),
  );
  assert.deepEqual(out.requests, []);
  assert.deepEqual(out.interpreters, ["myproj-3.12", "3.12.1/envs/myproj", "system"]);
  assert.deepEqual(out.warnings.map((w) => w.split(":").slice(0, 2).join(":")), ["f:3"]);
});

Deno.test("parsePythonVersionFile() marks free-threaded and implementation requests", () => {
  const { requests } = parsePythonVersionFile("3.13t\npypy@3.10\n", "f");
  assert.equal(requests[0].freethreaded, true);
  assert.equal(requests[1].implementation, "pypy");
});

Deno.test("parsePythonVersionFile() shortens very long ignored words in warnings", () => {
  const { warnings } = parsePythonVersionFile("x".repeat(500), "f");
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0].length < 200);
});
