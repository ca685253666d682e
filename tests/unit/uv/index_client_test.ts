import assert from "node:assert/strict";
import {
  DEFAULT_INDEX_URL,
  packageSources,
  parseSimplePage,
  projectPageUrl,
  redactUrl,
} from "../../../src/uv/index_client.ts";

Deno.test("packageSources() takes install_args first, then variables, then pip.conf, then PyPI", () => {
  const conf = { indexUrl: "https://conf.example/simple", findLinks: ["/conf/wheels"] };
  const cases: Array<[string, string[], Record<string, string>, string]> = [
    ["default", [], {}, DEFAULT_INDEX_URL],
    ["--index-url X", ["--index-url", "https://a.example/simple"], {}, "https://a.example/simple"],
    ["--index-url=X", ["--index-url=https://b.example/simple"], {}, "https://b.example/simple"],
    ["-i X", ["-i", "https://c.example/simple"], {}, "https://c.example/simple"],
    [
      "PIP_INDEX_URL",
      [],
      { PIP_INDEX_URL: "https://p.example/simple" },
      "https://p.example/simple",
    ],
    ["UV_INDEX_URL", [], { UV_INDEX_URL: "https://u.example/simple" }, "https://u.example/simple"],
    [
      "args beat env",
      ["-i", "https://arg.example/simple"],
      { PIP_INDEX_URL: "https://p.example/simple" },
      "https://arg.example/simple",
    ],
  ];
  for (const [what, args, env, want] of cases) {
    assert.equal(packageSources(args, env).indexUrls[0], want, what);
  }
  assert.equal(packageSources([], {}, conf).indexUrls[0], "https://conf.example/simple");
  assert.equal(
    packageSources([], { PIP_INDEX_URL: "https://p.example/simple" }, conf).indexUrls[0],
    "https://p.example/simple",
  );
});

Deno.test("packageSources() gathers find-links, extra indexes and --no-index", () => {
  const s = packageSources(
    ["--find-links", "wheels", "-f/abs/w", "--extra-index-url", "https://x.example/simple"],
    {
      PIP_FIND_LINKS: "/env/a /env/b",
      UV_FIND_LINKS: "/uv/a,/uv/b",
      UV_INDEX: "internal=https://i.example/simple",
    },
  );
  assert.deepEqual(s.findLinks, ["wheels", "/abs/w", "/env/a", "/env/b", "/uv/a", "/uv/b"]);
  assert.deepEqual(s.indexUrls, [
    DEFAULT_INDEX_URL,
    "https://x.example/simple",
    "https://i.example/simple",
  ]);
  assert.equal(s.noIndex, false);
  assert.equal(packageSources(["--no-index"], {}).noIndex, true);
  assert.equal(packageSources([], { PIP_NO_INDEX: "1" }).noIndex, true);
  // pip's strtobool and uv's boolish parser both take y and t as yes.
  assert.equal(packageSources([], { PIP_NO_INDEX: "y" }).noIndex, true);
  assert.equal(packageSources([], { UV_NO_INDEX: "t" }).noIndex, true);
  assert.equal(packageSources([], {}, { noIndex: true }).noIndex, true);
  assert.equal(packageSources([], { PIP_NO_INDEX: "0" }, { noIndex: true }).noIndex, false);
});

Deno.test("projectPageUrl() and redactUrl() normalise index URLs", () => {
  assert.equal(projectPageUrl("https://pypi.org/simple", "uv"), "https://pypi.org/simple/uv/");
  assert.equal(projectPageUrl("https://pypi.org/simple///", "uv"), "https://pypi.org/simple/uv/");
  assert.equal(
    redactUrl("https://user:secret@idx.example/simple"),
    "https://user:****@idx.example/simple",
  );
  assert.equal(redactUrl("not a url"), "not a url");
});

Deno.test("parseSimplePage() reads PEP 691 JSON with hashes", () => {
  const body = JSON.stringify({
    meta: { "api-version": "1.1" },
    files: [
      {
        filename: "uv-1.0-py3-none-any.whl",
        url: "../../packages/uv-1.0-py3-none-any.whl",
        hashes: { sha256: "A".repeat(64) },
      },
      { filename: "uv-1.0.tar.gz", url: "https://files.example/uv-1.0.tar.gz", hashes: {} },
    ],
  });
  assert.deepEqual(
    parseSimplePage(body, "application/vnd.pypi.simple.v1+json", "https://idx.example/simple/uv/"),
    [
      {
        filename: "uv-1.0-py3-none-any.whl",
        url: "https://idx.example/packages/uv-1.0-py3-none-any.whl",
        sha256: "a".repeat(64),
      },
      { filename: "uv-1.0.tar.gz", url: "https://files.example/uv-1.0.tar.gz", sha256: null },
    ],
  );
});

Deno.test("parseSimplePage() reads PEP 503 HTML anchors with #sha256 fragments", () => {
  const h = "b".repeat(64);
  const body = `<!DOCTYPE html><html><body>
    <a href="/files/uv-1.0-py3-none-any.whl#sha256=${h}" data-requires-python="&gt;=3.8">uv-1.0-py3-none-any.whl</a><br/>
    <a href='rel/uv-1.0.tar.gz?x=1&amp;y=2'>uv-1.0.tar.gz</a>
    <a name="no-href">nothing</a>
  </body></html>`;
  assert.deepEqual(parseSimplePage(body, "text/html", "https://idx.example/simple/uv/"), [
    {
      filename: "uv-1.0-py3-none-any.whl",
      url: "https://idx.example/files/uv-1.0-py3-none-any.whl",
      sha256: h,
    },
    {
      filename: "uv-1.0.tar.gz",
      url: "https://idx.example/simple/uv/rel/uv-1.0.tar.gz?x=1&y=2",
      sha256: null,
    },
  ]);
});
