import assert from "node:assert/strict";

const CORE = new URL("../../../src/core/", import.meta.url);

/** Every static `import`/`export ... from` specifier of each src/core module (type-only too). */
function coreImports(): { file: string; spec: string }[] {
  const out: { file: string; spec: string }[] = [];
  for (const e of Deno.readDirSync(CORE)) {
    if (!e.isFile || !e.name.endsWith(".ts")) continue;
    const code = Deno.readTextFileSync(new URL(e.name, CORE));
    for (const m of code.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm)) {
      out.push({ file: e.name, spec: m[1] });
    }
    // A literal dynamic import counts too (the cold CLI is reached through a variable).
    for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
      out.push({ file: e.name, spec: m[1] });
    }
  }
  return out;
}

Deno.test("src/core imports nothing outside itself, and nothing from npm, node: or the web", () => {
  const all = coreImports();
  assert.ok(all.some((i) => i.file === "warm.ts"), "the sources are read (warm.ts imports)");
  const outside = all.filter((i) => !/^\.\/[a-z0-9_]+\.ts$/.test(i.spec));
  assert.deepEqual(outside, [], "core modules import only ./x.ts siblings");
});
