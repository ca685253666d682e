import assert from "node:assert/strict";
import { join } from "node:path";
import {
  parseSha256Sums,
  PLACEHOLDER_HINT,
  RELEASE_BASE_VAR,
  RELEASE_REPO,
  releaseBaseUrl,
} from "../../src/release.ts";
import { renderWrapper } from "../../src/commands/wrapper.ts";
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

Deno.test("one setting points install.sh, the wrapper and prime init --wrapper at a release host", () => {
  assert.equal(RELEASE_BASE_VAR, "PRIME_INSTALL_BASE_URL");
  const sh = Deno.readTextFileSync(join(REPO, "scripts", "install.sh"));
  assert.match(sh, new RegExp(`base_url=\\$\\{${RELEASE_BASE_VAR}:-\\$DEFAULT_BASE_URL\\}`));
  const wrapper = renderWrapper({ version: "1.2.3", baseUrl: "https://example/r", sums: {} });
  assert.match(wrapper, new RegExp(`base_url=\\$\\{${RELEASE_BASE_VAR}:-'https://example/r'\\}`));
  const init = Deno.readTextFileSync(join(REPO, "src", "commands", "wrapper.ts"));
  assert.match(init, /Deno\.env\.get\(RELEASE_BASE_VAR\)/);
  // The README names the placeholder as one, and the setting that replaces it.
  const readme = Deno.readTextFileSync(join(REPO, "README.md"));
  assert.match(readme, new RegExp(`\`${RELEASE_REPO}\` is a \\*\\*placeholder\\*\\*`));
  assert.ok(readme.includes(RELEASE_BASE_VAR));
  assert.ok(PLACEHOLDER_HINT.includes(RELEASE_REPO) && PLACEHOLDER_HINT.includes(RELEASE_BASE_VAR));
  assert.ok(sh.includes("is a placeholder release host: set PRIME_INSTALL_BASE_URL"));
});
