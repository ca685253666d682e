import assert from "node:assert/strict";
import { ALLOWED, checkSource, checkTree, stripComments } from "../../../scripts/check_compiled.ts";
import { REPO } from "../../helpers/fixtures.ts";

Deno.test("checkSource() flags a dynamic import whose specifier is a variable or a template", () => {
  const f = checkSource(
    "src/x.ts",
    'const m = "./a.ts";\nawait import(m);\nawait import(`./${m}`);\nawait import(\n  m,\n);\n',
  );
  assert.deepEqual(f.map((x) => x.line), [2, 3, 4]);
  assert.ok(f.every((x) => /dynamic import/.test(x.rule)));
});

Deno.test("checkSource() accepts dynamic imports of string literals", () => {
  const ok = "await import(\"../drivers/uv.ts\");\nawait import('./a.ts');\nimport(`./b.ts`);\n";
  assert.deepEqual(checkSource("src/x.ts", ok), []);
});

Deno.test("checkSource() flags deno.json, deno.lock, import.meta paths and Deno.execPath()", () => {
  const f = checkSource(
    "src/x.ts",
    [
      'Deno.readTextFileSync("deno.json");',
      "const lock = `${root}/deno.lock`;",
      'const p = new URL("../data.txt", import.meta.url);',
      "const dir = import.meta.dirname;",
      "const self = Deno.execPath();",
    ].join("\n"),
  );
  assert.deepEqual(f.map((x) => x.line), [1, 2, 3, 4, 5]);
});

Deno.test("checkSource() ignores comments, but not code after a URL", () => {
  assert.deepEqual(
    checkSource("src/x.ts", "// import(x) and deno.json\n/* Deno.execPath() */\n"),
    [],
  );
  const f = checkSource("src/x.ts", 'fetch("https://example.org"); await import(x);\n');
  assert.equal(f.length, 1);
  assert.deepEqual(stripComments("a /* b */ c // d"), ["a  c "]);
});

Deno.test("checkSource() allows a listed exception only in its own file", () => {
  const a = ALLOWED[0];
  assert.deepEqual(checkSource(a.file, `  ${a.code}\n`), []);
  assert.equal(checkSource("src/other.ts", `  ${a.code}\n`).length, 1);
});

Deno.test("main.ts and src/ depend on nothing a compiled binary lacks", () => {
  assert.deepEqual(checkTree(REPO), []);
});
