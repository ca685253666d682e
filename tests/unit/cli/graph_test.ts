import assert from "node:assert/strict";

/**
 * The modules Deno loads before `prime --version` prints: the graph of scripts/prime's
 * entry (src/core/warm.ts) and of the cold CLI it imports (src/cli/main.ts), as Deno
 * builds it at start-up. That follows `import`/`export ... from` and every literal
 * `import("...")` (read and parsed even if it never runs), and skips type-only imports.
 */
function startupGraph(
  roots: URL[] = ["../../../src/core/warm.ts", "../../../src/cli/main.ts"].map((r) =>
    new URL(r, import.meta.url)
  ),
): { modules: string[]; external: string[] } {
  const seen = new Set<string>(roots.map((r) => r.href));
  const external: string[] = [];
  const queue = [...roots];
  const deps = [
    // import x from "..."; export { x } from "..."; import "..."; (not `import type`)
    /^\s*(?:import|export)(?!\s+type\b)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    // import("...") with a literal, outside a type position (`typeof import(...)`).
    /(?<!typeof\s)\bimport\s*\(\s*["'`]([^"'`$]+)["'`]\s*\)/g,
  ];
  while (queue.length > 0) {
    const url = queue.pop()!;
    const code = Deno.readTextFileSync(url).replace(/^\s*(\/\/|\*).*$/gm, "");
    for (const re of deps) {
      for (const m of code.matchAll(re)) {
        const spec = m[1];
        if (!spec.startsWith(".")) {
          external.push(`${spec} (from ${url.pathname.replace(/^.*\/src\//, "src/")})`);
          continue;
        }
        const dep = new URL(spec, url);
        if (!seen.has(dep.href)) {
          seen.add(dep.href);
          queue.push(dep);
        }
      }
    }
  }
  return { modules: [...seen].map((u) => u.replace(/^.*\/src\//, "src/")).sort(), external };
}

Deno.test("the cold CLI's --version graph loads no node: built-in and no npm package", () => {
  const { modules, external } = startupGraph();
  assert.deepEqual(external, [], "a node: or npm module here costs every cold start");
  // The commands load through load() (a value, not a literal): none is in the graph.
  assert.ok(modules.includes("src/cli/args.ts"), "the graph is read (it holds the parser)");
  const commands = modules.filter((m) => m.startsWith("src/commands/"));
  assert.deepEqual(commands, [], "commands load only when dispatched to");
});

Deno.test("the bare --help graph (src/cli/help.ts alone) loads the command table and no command, node: built-in or npm package", () => {
  const { modules, external } = startupGraph([
    new URL("../../../src/cli/help.ts", import.meta.url),
  ]);
  assert.deepEqual(external, [], "scripts/prime runs it with --no-config: no npm package resolves");
  assert.ok(modules.includes("src/cli/commands.ts"), "the page is read from the command table");
  const heavy = modules.filter((m) =>
    m.startsWith("src/commands/") || m === "src/cli/main.ts" || m === "src/cli/args.ts"
  );
  assert.deepEqual(heavy, [], "no parser, dispatch or command");
});

Deno.test("info's graph leaves out what only -v, --json or a first build shows: the pip wheel reader, the uv driver, uv's obtain", () => {
  const { modules } = startupGraph([new URL("../../../src/commands/info.ts", import.meta.url)]);
  assert.ok(modules.includes("src/python/select.ts"), "the graph is read (it holds the selection)");
  const later = modules.filter((m) =>
    m.startsWith("src/uv/") ||
    ["src/commands/info_more.ts", "src/python/pip.ts", "src/installers/uv.ts"].includes(m)
  );
  assert.deepEqual(later, [], "info_more.ts loads them through the CLI's load(), when needed");
});

Deno.test("startupGraph() follows a literal import() and skips type-only imports", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const w = (name: string, text: string) => Deno.writeTextFileSync(`${dir}/${name}`, text);
    w(
      "root.ts",
      'import type { X } from "./typeonly.ts";\n' +
        'type M = typeof import("./typeof.ts");\n' +
        'export const f = () => import("./dynamic.ts");\n',
    );
    for (const n of ["typeonly.ts", "typeof.ts"]) w(n, 'import "node:zlib";\n');
    w("dynamic.ts", 'import { x } from "npm:left-pad";\n');
    const { modules, external } = startupGraph([new URL(`file://${dir}/root.ts`)]);
    assert.deepEqual(modules.map((m) => m.replace(/^.*\//, "")), ["dynamic.ts", "root.ts"]);
    assert.deepEqual(external.map((e) => e.split(" ")[0]), ["npm:left-pad"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
