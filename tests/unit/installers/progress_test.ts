import assert from "node:assert/strict";
import {
  parsePipLine,
  parseUvLine,
  reportNames,
  uvCacheDir,
  watchPip,
} from "../../../src/installers/progress.ts";

Deno.test("parsePipLine() reads pip's log lines, old and new", () => {
  const cases: [string, unknown][] = [
    ["Collecting numpy>=1.0 (from -r requirements.txt (line 1))", { kind: "found", name: "numpy" }],
    ["Collecting pkg1 (from top)", { kind: "found", name: "pkg1" }],
    ["Processing ./wheels/top-1.0-py3-none-any.whl", { kind: "found", name: "top" }],
    ["Obtaining file:///src/app", { kind: "found", name: "app" }],
    ["Processing ./lib/", { kind: "found", name: "lib" }],
    [
      "  Downloading numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.whl (18.3 MB)",
      { kind: "fetch", name: "numpy" },
    ],
    ["  Using cached six-1.17.0-py2.py3-none-any.whl (11 kB)", { kind: "fetch", name: "six" }],
    [
      "Installing collected packages: pkg5, pkg4, top",
      { kind: "install", names: ["pkg5", "pkg4", "top"] },
    ],
    ["Successfully installed pkg1-1.1", null],
    ["Looking in links: wheels", null],
    ["", null],
  ];
  for (const [line, want] of cases) assert.deepEqual(parsePipLine(line), want, line);
});

Deno.test("parseUvLine() reads uv's summary lines and uv_installer's debug line", () => {
  const cases: [string, unknown][] = [
    ["Resolved 15 packages in 1.20s", { kind: "resolved", total: 15 }],
    ["Resolved 1 package in 3ms", { kind: "resolved", total: 1 }],
    ["DEBUG Identified uncached distribution: numpy==2.0.0", { kind: "uncached", name: "numpy" }],
    ["Prepared 3 packages in 9ms", { kind: "prepared" }],
    ["Installed 3 packages in 4ms", { kind: "installed" }],
    ["Audited 3 packages in 1ms", { kind: "installed" }],
    [" + numpy==2.0.0", null],
    ["Using Python 3.11.2 environment at: .venv", null],
  ];
  for (const [line, want] of cases) assert.deepEqual(parseUvLine(line), want, line);
});

Deno.test("reportNames() lists what pip's --report says it installs", () => {
  const json = JSON.stringify({
    version: "1",
    install: [{ metadata: { name: "top", version: "1.0" } }, { metadata: { name: "pkg1" } }],
  });
  assert.deepEqual(reportNames(json), ["top", "pkg1"]);
  assert.equal(reportNames("{"), null);
  assert.equal(reportNames("{}"), null);
});

Deno.test("uvCacheDir() finds uv's cache as uv does, and none under UV_NO_CACHE", () => {
  assert.equal(uvCacheDir({ UV_CACHE_DIR: "/c", HOME: "/h" }), "/c");
  assert.equal(uvCacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" }), "/x/uv");
  assert.equal(uvCacheDir({ HOME: "/h" }), "/h/.cache/uv");
  assert.equal(uvCacheDir({ UV_NO_CACHE: "1", UV_CACHE_DIR: "/c" }), null);
  assert.equal(uvCacheDir({}), null);
});

Deno.test("watchPip() draws the last count when pip ends between two polls", async () => {
  const venv = await Deno.makeTempDir();
  const site = `${venv}/lib/python3.12/site-packages`;
  await Deno.mkdir(site, { recursive: true });
  const shown: string[] = [];
  const w = watchPip(venv, null, (d) => shown.push(d));
  try {
    w.line("Installing collected packages: a, b");
    assert.equal(shown.at(-1), "0/2 installed, a");
    // pip installs both and exits before the next poll.
    await Deno.mkdir(`${site}/a-1.0.dist-info`);
    await Deno.mkdir(`${site}/b-1.0.dist-info`);
  } finally {
    w.stop();
  }
  assert.equal(shown.at(-1), "2/2 installed");
  await Deno.remove(venv, { recursive: true });
});
