/**
 * The direction of imports docs/DESIGN.md states ("Data flows one way"): each folder of
 * src/ (or top-level file) imports only from the layers after its own. Type-only imports
 * count too: they tie the code together as much as any.
 */
import assert from "node:assert/strict";

/** The layers, top first; a module imports only from its own room or a later layer. */
export const LAYERS: readonly (readonly string[])[] = [
  ["cli"],
  ["commands"],
  ["bundle"],
  ["venv"],
  ["installers"],
  ["uv", "launch"],
  ["project", "deps", "state"],
  ["config"],
  ["python"],
  ["pypa"],
  ["shell", "process.ts", "log.ts", "release.ts"],
  ["core"],
];

const SRC = new URL("../../src/", import.meta.url);

/** The room of a path under src/: its first folder, or the file itself. */
function roomOf(rel: string): string {
  return rel.split("/")[0];
}

function layerOf(room: string): number {
  const i = LAYERS.findIndex((l) => l.includes(room));
  if (i < 0) throw new Error(`src/${room} is in no layer of tests/unit/structure_test.ts`);
  return i;
}

function* sources(dir: URL, prefix = ""): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) yield* sources(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`);
    else if (e.name.endsWith(".ts")) yield `${prefix}${e.name}`;
  }
}

Deno.test("no import in src/ runs back up against the flow docs/DESIGN.md states", () => {
  const against: string[] = [];
  const spec = /(?:from\s*|import\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
  for (const file of sources(SRC)) {
    // Template strings hold Python and shell code: no imports of this tree.
    const code = Deno.readTextFileSync(new URL(file, SRC));
    for (const m of code.matchAll(spec)) {
      const target = new URL(m[1], new URL(file, SRC)).pathname.slice(SRC.pathname.length);
      const [a, b] = [roomOf(file), roomOf(target)];
      if (a !== b && layerOf(b) <= layerOf(a)) against.push(`src/${file} -> src/${target}`);
    }
  }
  assert.deepEqual(against, []);
});

Deno.test("docs/DESIGN.md states the flow this test holds", () => {
  const design = Deno.readTextFileSync(new URL("../../docs/DESIGN.md", import.meta.url));
  const flow = LAYERS.map((l) => l.join(", ")).join(" → ");
  assert.ok(design.replace(/\s+/g, " ").includes(flow), `DESIGN.md should say: ${flow}`);
});
