/**
 * Checks prime's line-based PEP 723 scanner against the PEP's own reference
 * implementation (the canonical regex, run by a real CPython) on a few thousand
 * seeded, mutated scripts.
 */
import assert from "node:assert/strict";
import { run } from "../../src/process.ts";
import { normaliseScriptText, scanPep723 } from "../../src/core/pep723_scan.ts";
import { python3 } from "../helpers/fixtures.ts";

const REFERENCE = `
import json, re, sys
REGEX = r'(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\\s(?P<content>(^#(| .*)$\\s)+)^# ///$'
out = []
for text in json.load(open(sys.argv[1], encoding="utf-8")):
    blocks = []
    for m in re.finditer(REGEX, text):
        content = ''.join(
            line[2:] if line.startswith('# ') else line[1:]
            for line in m.group('content').splitlines(keepends=True)
        )
        blocks.append([m.group('type'), content])
    out.append(blocks)
json.dump(out, sys.stdout)
`;
import { prng } from "../helpers/prng.ts";

// Lone CR and the other separators Python's splitlines() honours are left out: there the
// reference implementation's regex and its splitlines() disagree with each other.
const PIECES = [
  "# ",
  "#",
  "# /// script",
  "# ///",
  "# /// x-1",
  "\n",
  "a = 1",
  " ",
  "/",
  "x",
  "é",
  '"',
  "# /// ",
  "\n# ///\n",
];
const SEEDS = [
  "#!/usr/bin/env prime\n# /// script\n# dependencies = [\n#   'rich',\n# ]\n# ///\nprint()\n",
  "# /// some-toml\n# x = 1\n# /// y\n# ///\n#\n# ///\n\n# /// script\n# a = 1\n# ///",
  "x = 1\n# /// script\n# a = 1\n# ///\n# b\n# /// script\n# c = 2\n# ///\n",
];

const python = python3("3.8")?.path ?? null;

Deno.test({
  name: python === null
    ? "scanPep723() agrees with the PEP 723 reference regex (SKIPPED: no CPython >= 3.8 under $PYENV_ROOT/versions)"
    : "scanPep723() agrees with the PEP 723 reference regex on 3000 mutated scripts",
  ignore: python === null,
  fn: async () => {
    const r = prng(723);
    const texts: string[] = [];
    for (let i = 0; i < 3000; i++) {
      let s = SEEDS[Math.floor(r() * SEEDS.length)];
      for (let k = Math.floor(r() * 6); k > 0; k--) {
        const at = Math.floor(r() * (s.length + 1));
        const piece = PIECES[Math.floor(r() * PIECES.length)];
        s = r() < 0.6
          ? s.slice(0, at) + piece + s.slice(at)
          : s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 4));
      }
      texts.push(normaliseScriptText(s));
    }
    const dir = await Deno.makeTempDir({ prefix: "prime-pep723-" });
    try {
      await Deno.writeTextFile(`${dir}/cases.json`, JSON.stringify(texts));
      await Deno.writeTextFile(`${dir}/ref.py`, REFERENCE);
      const res = await run(python!, ["-I", `${dir}/ref.py`, `${dir}/cases.json`]);
      assert.equal(res.code, 0, res.stderr);
      const want: Array<Array<[string, string]>> = JSON.parse(res.stdout);
      let blocks = 0;
      texts.forEach((t, i) => {
        const got = scanPep723(t).blocks.map((b) => [b.type, b.content]);
        blocks += got.length;
        assert.deepEqual(got, want[i], `case ${i}: ${JSON.stringify(t)}`);
      });
      assert.ok(blocks > 1000, `only ${blocks} blocks found; the cases exercise too little`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
