/**
 * scripts/eager_bundle.ts rewrites the warm bundle so that V8 compiles its functions
 * with the file. These run it as scripts/prime does, on small modules, and import what
 * it wrote: the rewrite keeps what the code does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "../../helpers/fixtures.ts";

/** Runs the script on `source` (as a file named like scripts/prime's temp bundle). */
async function eager(source: string): Promise<{ code: number; text: string; file: string }> {
  const dir = await Deno.makeTempDir({ prefix: "prime-eager-" });
  const file = join(dir, ".warm.js.1234");
  await Deno.writeTextFile(file, source);
  const code = await eagerFiles([file]);
  const text = await Deno.readTextFile(file);
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name),
    [".warm.js.1234"],
    "no leftovers",
  );
  return { code, text, file };
}

/** Imports the rewritten module (copied to a .js name) and returns its `result` export. */
async function resultOf(text: string): Promise<unknown> {
  const dir = await Deno.makeTempDir({ prefix: "prime-eager-mod-" });
  const file = join(dir, "m.js");
  await Deno.writeTextFile(file, text);
  return (await import(`file://${file}`)).result;
}

const SAMPLE = `
const wide = "é–✓ \u{1F600}";
const early = later(2);
function later(n) { return n * 21; }
async function twice(x) { return await Promise.resolve(x * 2); }
function* gen() { yield 1; yield 2; }
const arrow = (a) => (b) => a + b;
const obj = { m(x) { return x + 1; }, get g() { return 5; }, f: function (y) { return y * 3; } };
class C extends Error {
  field = (z) => z - 1;
  constructor(m) { super(m); this.name = "C"; }
  method() { return this.field(10); }
  static s() { return "s"; }
}
const re = /[)}]function x\\(/.test("}function x(") ? "re" : "no";
const tpl = \`\${[1, 2].map((n) => \`<\${n}>\`).join("")}\`;
export const result = [early, await twice(4), [...gen()], arrow(1)(2), obj.m(1), obj.g,
  obj.f(2), new C("x").method(), C.s(), new C("y").name, re, tpl, later.name, ((x) => wide + x)("!")];
`;

const EXPECTED = [
  42,
  8,
  [1, 2],
  3,
  2,
  5,
  6,
  9,
  "s",
  "C",
  "re",
  "<1><2>",
  "later",
  "é–✓ \u{1F600}!",
];

Deno.test("eager_bundle hoists and parenthesizes every function, and the module does what it did", async () => {
  assert.deepEqual(await resultOf(SAMPLE), EXPECTED, "the sample itself");
  const { code, text } = await eager(SAMPLE);
  assert.equal(code, 0);
  assert.match(text, /^var later=\(function later\(n\)/, "a declaration moved first");
  assert.match(text, /^var later=.*var twice=\(async function twice/s);
  assert.match(text, /\(\(a\) => \(\(b\) => a \+ b\)\)/, "arrows in parentheses");
  assert.match(text, /m\(x\) \{/, "a method stays a method");
  assert.deepEqual(await resultOf(text), EXPECTED, "the rewritten module");
});

Deno.test("eager_bundle leaves a file it cannot parse as it was, and says so by its exit code", async () => {
  const broken = "function a( { return 1 }\n";
  const { code, text } = await eager(broken);
  assert.notEqual(code, 0);
  assert.equal(text, broken);
});

Deno.test("eager_bundle rewrites the warm bundle in twelve parallel builds, each whole (parallel starts after a pull)", async () => {
  // The report of `deno lint` is about 70 KB for the warm bundle; read through a pipe it
  // was sometimes cut at 64 KiB under load, and that build kept the plain bundle.
  const dir = await Deno.makeTempDir({ prefix: "prime-eager-par-" });
  const plain = join(dir, "warm.js");
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--config",
      join(REPO, "deno.json"),
      "--frozen",
      "--platform",
      "deno",
      "--minify",
      "--output",
      plain,
      join(REPO, "src", "core", "warm.ts"),
    ],
  }).output();
  assert.ok(out.success, "deno bundle");
  const text = await Deno.readTextFile(plain);
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => eagerFile(text, join(dir, `.warm.js.${i}`))),
  );
  for (const [i, r] of results.entries()) {
    assert.equal(r.code, 0, `build ${i}`);
    assert.match(r.text, /^var [\w$]+=\((async )?function[ *]/, `build ${i} rewritten`);
  }
});

/** eager() on a file of the caller's naming (several in one directory). */
async function eagerFile(source: string, file: string): Promise<{ code: number; text: string }> {
  await Deno.writeTextFile(file, source);
  const code = await eagerFiles([file]);
  return { code, text: await Deno.readTextFile(file) };
}

/** Runs the script on several files, as scripts/prime does for the cold bundle's chunks. */
async function eagerFiles(files: string[]): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      join(REPO, "scripts", "eager_bundle.ts"),
      ...files,
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  return out.code;
}

/** The stack of what `entry`'s run() throws, as Deno prints it through the source maps. */
async function stackOf(entry: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const m = await import(${
        JSON.stringify(`file://${entry}`)
      }); try { m.run(); } catch (e) { console.log(e.stack); }`,
    ],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("eager_bundle rewrites a code-split bundle's chunks and moves their linked source maps with the code: a stack names the same lines", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prime-eager-split-" });
  await Deno.writeTextFile(
    join(dir, "shared.ts"),
    `export const wide = "é–✓ \u{1F600}";\n` +
      `export function inner(n: number): number {\n` +
      `  if (n > 2) throw new Error("deep " + wide);\n` +
      `  return inner(n + 1) + [1, 2].map((x) => x * 2).length;\n` +
      `}\n` +
      `export const outer = (n: number) => inner(n);\n`,
  );
  await Deno.writeTextFile(
    join(dir, "a.ts"),
    `import { outer } from "./shared.ts";\nexport function run() {\n  return outer(0);\n}\n`,
  );
  await Deno.writeTextFile(
    join(dir, "b.ts"),
    `import { inner } from "./shared.ts";\nexport function run() {\n  return inner(1);\n}\n`,
  );
  const out = join(dir, "out");
  const built = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--no-config",
      "--platform",
      "deno",
      "--minify",
      "--sourcemap=linked",
      "--code-splitting",
      "--outdir",
      out,
      join(dir, "a.ts"),
      join(dir, "b.ts"),
    ],
  }).output();
  assert.ok(built.success, "deno bundle");
  const files = [...Deno.readDirSync(out)].map((e) => join(out, e.name))
    .filter((f) => f.endsWith(".js"));
  assert.ok(files.length >= 3, "a shared chunk");
  const before = [await stackOf(join(out, "a.js")), await stackOf(join(out, "b.js"))];
  assert.match(before[0], /shared\.ts:3:\d+/, "the plain bundle's stack names the source");
  const plain = new Map(files.map((f) => [f, Deno.readTextFileSync(f)]));
  assert.equal(await eagerFiles(files), 0);
  for (const f of files) {
    assert.notEqual(Deno.readTextFileSync(f), plain.get(f), `${f} rewritten`);
    assert.match(Deno.readTextFileSync(f), /^var [\w$]+=\(/, `${f}: declarations first`);
  }
  assert.deepEqual(
    [await stackOf(join(out, "a.js")), await stackOf(join(out, "b.js"))],
    before,
    "the same stacks, line and column",
  );
  assert.deepEqual(
    [...Deno.readDirSync(out)].map((e) => e.name).filter((n) => !/\.js(\.map)?$/.test(n)),
    [],
    "no leftovers",
  );
});

Deno.test("eager_bundle leaves files that import one another in a circle as they were", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prime-eager-circle-" });
  const a = join(dir, "a.js");
  const b = join(dir, "b.js");
  const textA = `import{b as x}from"./b.js";export function a(){return x()}\n`;
  const textB = `import{a as y}from"./a.js";export const early=y;export function b(){return 1}\n`;
  await Deno.writeTextFile(a, textA);
  await Deno.writeTextFile(b, textB);
  assert.notEqual(await eagerFiles([a, b]), 0);
  assert.equal(Deno.readTextFileSync(a), textA);
  assert.equal(Deno.readTextFileSync(b), textB);
});
