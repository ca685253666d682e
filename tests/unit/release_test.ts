import assert from "node:assert/strict";
import { join } from "node:path";
import { parseSha256Sums, RELEASE_REPO, releaseBaseUrl } from "../../src/release.ts";
import { PRIME_VERSION } from "../../src/core/version.ts";
import { REPO } from "../helpers/fixtures.ts";

Deno.test("install.sh, README.md, every docs/ page and the Dockerfile name src/release.ts's repo", () => {
  const sh = Deno.readTextFileSync(join(REPO, "scripts", "install.sh"));
  assert.match(sh, new RegExp(`^PRIME_RELEASE_REPO_PLACEHOLDER="${RELEASE_REPO}"$`, "m"));
  const pages = [...Deno.readDirSync(join(REPO, "docs"))]
    .filter((e) => e.name.endsWith(".md")).map((e) => `docs/${e.name}`);
  assert.ok(pages.includes("docs/RELEASE.md"));
  for (const doc of ["README.md", ...pages, "examples/docker/Dockerfile"]) {
    const text = Deno.readTextFileSync(join(REPO, doc));
    for (const m of text.matchAll(/github\.com\/([\w.-]+\/[\w.-]+)\/releases/g)) {
      assert.equal(m[1], RELEASE_REPO, `${doc}: ${m[0]}`);
    }
  }
});

Deno.test("prime's version is written once: src/core/version.ts, not deno.json", () => {
  const denoJson = JSON.parse(Deno.readTextFileSync(join(REPO, "deno.json")));
  assert.equal(denoJson.version, undefined);
  assert.match(PRIME_VERSION, /^\d+\.\d+\.\d+(-[\w.]+)?$/);
  // The Dockerfile example's default release follows it (a release bump must update it).
  // So do the Dockerfiles in docs/ (each pins a release and its checksum argument).
  const docs = [...Deno.readDirSync(join(REPO, "docs"))].map((e) => `docs/${e.name}`);
  for (const file of ["examples/docker/Dockerfile", ...docs]) {
    const text = Deno.readTextFileSync(join(REPO, file));
    for (const m of text.matchAll(/^ARG PRIME_VERSION=(.*)$/gm)) {
      assert.equal(m[1], PRIME_VERSION, file);
      assert.match(text, /--checksum=sha256:\$\{PRIME_SHA256\}/, file);
    }
  }
  const docker = Deno.readTextFileSync(join(REPO, "examples", "docker", "Dockerfile"));
  assert.match(docker, /^ARG PRIME_VERSION=/m);
});

Deno.test("releaseBaseUrl() is the tag's download directory", () => {
  assert.equal(
    releaseBaseUrl("1.2.3"),
    `https://github.com/${RELEASE_REPO}/releases/download/v1.2.3`,
  );
});

Deno.test("parseSha256Sums() reads sha256sum text, binary-mode names and CRLF", () => {
  const a = "a".repeat(64), b = "B".repeat(64);
  const m = parseSha256Sums(
    `${a}  prime-x\r\n${b} *prime-y\nnot a line\n${"c".repeat(63)}  short\n`,
  );
  assert.deepEqual([...m], [["prime-x", a], ["prime-y", "b".repeat(64)]]);
});
