import assert from "node:assert/strict";
import { join } from "node:path";
import { buildCommit, readGitHead, versionText } from "../../../src/cli/version.ts";
import { buildInfoSource } from "../../../scripts/compile.ts";
import { PRIME_VERSION } from "../../../src/core/version.ts";
import { REPO } from "../../helpers/fixtures.ts";

const A = "a".repeat(40), B = "b".repeat(40), C = "c".repeat(40);

function gitHead(): string | null {
  const r = new Deno.Command("git", { args: ["-C", REPO, "rev-parse", "HEAD"], stderr: "null" })
    .outputSync();
  return r.success ? new TextDecoder().decode(r.stdout).trim() : null;
}

Deno.test("versionText() names the version, the commit, the target and Deno's version", () => {
  assert.equal(
    versionText(A),
    `prime ${PRIME_VERSION} (${
      "a".repeat(12)
    } from source, ${Deno.build.target}, deno ${Deno.version.deno})\n`,
  );
  assert.match(versionText(null), /^prime \S+ \(from source, /);
});

Deno.test("buildCommit() from source is the clone's HEAD, read without git", () => {
  const head = gitHead();
  if (head === null) return; // not a git checkout (a source tarball): nothing to compare
  assert.equal(buildCommit(), head);
});

Deno.test("readGitHead() follows a worktree's gitdir file to its branch in packed-refs", () => {
  const root = Deno.makeTempDirSync();
  const common = join(root, "main.git");
  const wt = join(common, "worktrees", "z");
  Deno.mkdirSync(wt, { recursive: true });
  Deno.mkdirSync(join(root, "tree", "src", "cli"), { recursive: true });
  Deno.writeTextFileSync(join(root, "tree", ".git"), `gitdir: ${wt}\n`);
  Deno.writeTextFileSync(join(wt, "HEAD"), "ref: refs/heads/z\n");
  Deno.writeTextFileSync(join(wt, "commondir"), "../..\n");
  Deno.writeTextFileSync(
    join(common, "packed-refs"),
    `# pack-refs\n${B} refs/heads/y\n${C} refs/heads/z\n`,
  );
  assert.equal(readGitHead(join(root, "tree", "src", "cli", "version.ts")), C);
  // A loose ref wins over packed-refs; a detached HEAD is the commit itself.
  Deno.mkdirSync(join(common, "refs", "heads"), { recursive: true });
  Deno.writeTextFileSync(join(common, "refs", "heads", "z"), `${A}\n`);
  assert.equal(readGitHead(join(root, "tree")), A);
  Deno.writeTextFileSync(join(wt, "HEAD"), `${B}\n`);
  assert.equal(readGitHead(join(root, "tree")), B);
  assert.equal(readGitHead("/"), null);
  // `levels` bounds the walk up: buildCommit() looks at the checkout above src/ first.
  assert.equal(readGitHead(join(root, "tree", "src"), 1), null);
  assert.equal(readGitHead(join(root, "tree", "src"), 2), B);
});

Deno.test("readGitHead() reads a clone's own .git, which has no commondir, and a branch in its loose refs", () => {
  const root = Deno.makeTempDirSync();
  Deno.mkdirSync(join(root, ".git", "refs", "heads"), { recursive: true });
  Deno.writeTextFileSync(join(root, ".git", "HEAD"), "ref: refs/heads/main\n");
  Deno.writeTextFileSync(join(root, ".git", "refs", "heads", "main"), `${C}\n`);
  assert.equal(readGitHead(root, 1), C);
});

Deno.test("compile writes the commit into src/cli/build_info.ts's one line", () => {
  const source = Deno.readTextFileSync(join(REPO, "src", "cli", "build_info.ts"));
  const built = buildInfoSource(source, A);
  assert.notEqual(built, source);
  assert.match(built, new RegExp(`^export const BUILD_COMMIT: string \\| null = "${A}";$`, "m"));
  assert.equal(buildInfoSource(source, null), source);
  // The committed file carries no commit: a source run reads .git instead.
  assert.match(source, /^export const BUILD_COMMIT: string \| null = null;$/m);
});
