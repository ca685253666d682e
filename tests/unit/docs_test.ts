import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { REPO } from "../helpers/fixtures.ts";

/** README.md and every page under docs/, as repo-relative paths. */
function docFiles(): string[] {
  const out = ["README.md"];
  for (const e of Deno.readDirSync(join(REPO, "docs"))) {
    if (e.isFile && e.name.endsWith(".md")) out.push(`docs/${e.name}`);
  }
  return out.sort();
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

/** The anchors a markdown text defines (headings outside code fences). */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (m) out.add(slug(m[1]));
  }
  return out;
}

Deno.test("README.md fits on a page: at most 15 KB", () => {
  const size = Deno.statSync(join(REPO, "README.md")).size;
  assert.ok(size <= 15 * 1024, `README.md is ${size} bytes; move detail into docs/`);
});

Deno.test("every relative link in README.md and docs/ names a file and a heading that exist", () => {
  const bad: string[] = [];
  for (const doc of docFiles()) {
    const text = Deno.readTextFileSync(join(REPO, doc));
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split("#");
      const path = file ? join(REPO, dirname(doc), file) : join(REPO, doc);
      let text2: string;
      try {
        text2 = Deno.statSync(path).isFile ? Deno.readTextFileSync(path) : "";
      } catch {
        bad.push(`${doc}: ${target} (no such file)`);
        continue;
      }
      if (anchor && path.endsWith(".md") && !anchors(text2).has(anchor)) {
        bad.push(`${doc}: ${target} (no heading #${anchor} in ${relative(REPO, path)})`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("the README's quick start comes first: the example run, then the tests", () => {
  const readme = Deno.readTextFileSync(join(REPO, "README.md"));
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const cmds = block.split("\n").filter((l) => l.trim()).map((l) => l.split(/\s+#/)[0].trim());
  assert.deepEqual(cmds, ["./scripts/prime examples/hello/app.py", "./scripts/test"]);
});
