import assert from "node:assert/strict";

/**
 * The warm path's static module graph, read from the sources: every module reachable
 * from src/core/warm.ts through `import`/`export ... from` (type-only ones too, as
 * `deno info` counts them), excluding warm.ts itself.
 */
function warmGraph(): { modules: string[]; external: string[] } {
  const root = new URL("../../../src/core/warm.ts", import.meta.url);
  const seen = new Set<string>([root.href]);
  const external: string[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const url = queue.pop()!;
    const code = Deno.readTextFileSync(url);
    for (const m of code.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm)) {
      const spec = m[1];
      if (!spec.startsWith(".")) {
        external.push(spec);
        continue;
      }
      const dep = new URL(spec, url);
      if (!seen.has(dep.href)) {
        seen.add(dep.href);
        queue.push(dep);
      }
    }
  }
  seen.delete(root.href);
  return { modules: [...seen].map((u) => u.replace(/^.*\/src\//, "src/")).sort(), external };
}

Deno.test("the warm path loads at most 13 modules, none from npm, node: or the web", () => {
  const { modules, external } = warmGraph();
  assert.deepEqual(external, [], "the warm path uses Deno APIs only");
  // Issue 11's budget: each module is a file read and compiled on every start. Merge a
  // new warm-path helper into the module that owns its idea rather than adding one.
  assert.ok(modules.length <= 13, `${modules.length} modules: ${modules.join(", ")}`);
  assert.ok(modules.includes("src/core/stamp.ts"), "the graph is read (it holds the stamp)");
});
