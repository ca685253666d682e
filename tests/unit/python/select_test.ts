import type { PythonRequest } from "../../../src/pypa/specifier.ts";
import type { RequiredPython } from "../../../src/python/types.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { PythonInfo } from "../../../src/python/types.ts";
import type { RunOptions, RunResult } from "../../../src/process.ts";
import { fakeRunner, notFound, result } from "../../helpers/fake_runner.ts";
import {
  describeRequired,
  pickPython,
  type Probed,
  selectorTimeoutMs,
  selectPython,
} from "../../../src/python/select.ts";
import { expectPythonNotFound } from "../../helpers/errors.ts";

function req(specifier: string | null, extra: Partial<PythonRequest> = {}): PythonRequest {
  return { raw: specifier ?? "", specifier, implementation: null, freethreaded: false, ...extra };
}

function required(...specs: Array<string | null>): RequiredPython {
  const requests = specs.map((s) => req(s));
  return { requests, value: specs.join(" | ") || null, source: "test" };
}

function info(path: string, version: string, extra: Partial<PythonInfo> = {}): Probed {
  return {
    path,
    result: {
      path,
      realPath: path,
      version,
      implementation: "cpython",
      freethreaded: false,
      mtimeMs: 0,
      size: 0,
      ...extra,
    },
  };
}

const broken = (path: string, error: string): Probed => ({ path, result: { error } });

Deno.test("pickPython() chooses by the documented rules", () => {
  const cases: Array<{ name: string; req: RequiredPython; probed: Probed[]; want: string | null }> =
    [
      {
        name: "a range takes the highest satisfying version",
        req: required(">=3.10,<3.13"),
        probed: [info("/a", "3.10.13"), info("/b", "3.12.1"), info("/c", "3.11.7")],
        want: "/b",
      },
      {
        name: "an exact minor takes the highest patch",
        req: required("==3.12.*"),
        probed: [info("/a", "3.12.1"), info("/b", "3.12.7"), info("/c", "3.13.0")],
        want: "/b",
      },
      {
        name: "ties go to the earlier candidate",
        req: required("==3.12.*"),
        probed: [info("/a", "3.12.1"), info("/b", "3.12.1")],
        want: "/a",
      },
      {
        name: "no requirement takes the first Python 3 in search order",
        req: required(),
        probed: [info("/py2", "2.7.18"), info("/a", "3.9.18"), info("/b", "3.13.0")],
        want: "/a",
      },
      {
        name: "the first satisfiable request wins even if a later one has a higher version",
        req: required("==3.11.*", "==3.12.*"),
        probed: [info("/a", "3.12.1"), info("/b", "3.11.7")],
        want: "/b",
      },
      {
        name: "a later request is used when the first cannot be satisfied",
        req: required("==3.9.*", "==3.12.*"),
        probed: [info("/a", "3.12.1"), info("/b", "3.11.7")],
        want: "/a",
      },
      {
        name: "a final release beats a higher pre-release",
        req: required(">=3.12"),
        probed: [info("/rc", "3.13.0rc1"), info("/a", "3.12.1")],
        want: "/a",
      },
      {
        name: "a pre-release is taken when nothing else satisfies",
        req: required(">=3.13"),
        probed: [info("/rc", "3.13.0rc1"), info("/a", "3.12.1")],
        want: "/rc",
      },
      {
        name: "a free-threaded build is not taken for a plain request",
        req: required("==3.13.*"),
        probed: [info("/t", "3.13.0", { freethreaded: true })],
        want: null,
      },
      {
        name: "failed probes are skipped",
        req: required("==3.12.*"),
        probed: [broken("/x", "exit code 1"), info("/a", "3.12.1")],
        want: "/a",
      },
      {
        name: "nothing satisfies",
        req: required("==3.5.*"),
        probed: [info("/a", "3.12.1"), broken("/x", "timed out after 10 s")],
        want: null,
      },
    ];
  for (const c of cases) {
    const got = pickPython(c.req, c.probed);
    assert.equal(got.python?.path ?? null, c.want, c.name);
    const chosen = got.python ? 1 : 0;
    assert.equal(
      got.rejected.length,
      c.probed.length - chosen,
      `${c.name}: every other is rejected`,
    );
  }
});

Deno.test("pickPython() gives each rejected candidate a reason", () => {
  const got = pickPython(required("==3.12.*"), [
    info("/py2", "2.7.18"),
    info("/a", "3.9.18"),
    broken("/x", "exit code 1: boom"),
    info("/b", "3.12.1"),
    info("/c", "3.12.7"),
    info("/d", "3.12.7"),
    info("/t", "3.12.7", { freethreaded: true }),
  ]);
  assert.equal(got.python?.path, "/c");
  const reasons = Object.fromEntries(got.rejected.map((r) => [r.path, r.reason]));
  assert.deepEqual(reasons, {
    "/py2": "version 2.7.18 is older than 3.4, the oldest Python prime can use",
    "/a": "version 3.9.18 does not satisfy ==3.12.*",
    "/x": "probe failed: exit code 1: boom",
    "/b": "version 3.12.1 is lower than the chosen 3.12.7",
    "/d": "version 3.12.7: /c comes first in the search",
    "/t":
      "version 3.12.7 (free-threaded) is a free-threaded build, used only when asked for (e.g. 3.13t)",
  });
});

Deno.test("describeRequired() names the requirement as messages show it", () => {
  assert.equal(describeRequired(required()), "any Python 3 (>= 3.4)");
  assert.equal(describeRequired(required("==3.12.*", ">=3.10")), "==3.12.* or >=3.10");
  const pypy: RequiredPython = {
    requests: [req("==3.10.*", { raw: "pypy3.10", implementation: "pypy" })],
    value: "pypy3.10",
    source: "test",
  };
  assert.equal(describeRequired(pypy), "pypy3.10");
});

Deno.test("selectorTimeoutMs() reads PRIME_SELECTOR_TIMEOUT seconds and defaults to 30 s", () => {
  const cases: Array<[string | undefined, number]> = [
    [undefined, 30_000],
    ["", 30_000],
    ["2", 2_000],
    ["0.5", 500],
    ["0", 30_000],
    ["-1", 30_000],
    ["soon", 30_000],
  ];
  for (const [v, want] of cases) {
    assert.equal(selectorTimeoutMs({ PRIME_SELECTOR_TIMEOUT: v }), want, String(v));
  }
});

// ---- selectPython() with a fake runner: no interpreter is ever started. ----

/** A fake interpreter: an executable file whose "version" the fake runner reports. */
async function fakePython(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await Deno.writeFile(path, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, name.length]), {
    mode: 0o755,
  });
  return path;
}

function probeJson(version: string): string {
  return JSON.stringify({
    prime_probe: 1,
    version,
    implementation: "cpython",
    freethreaded: false,
    executable: "",
  }) + "\n";
}

/** Answers probes from a version table and records every call. */
function probeRunner(
  versions: Record<string, string>,
  selector?: (args: string[], opts?: RunOptions) => RunResult,
) {
  return fakeRunner((cmd, args, opts) => {
    if (cmd in versions) return result(0, probeJson(versions[cmd]));
    return selector ? selector(args, opts) : notFound();
  });
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "prime_select_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("selectPython() searches the discovered candidates and records shims as rejected", async () => {
  await withTemp(async (dir) => {
    const a = await fakePython(dir, "a");
    const b = await fakePython(dir, "b");
    const runner = probeRunner({ [a]: "3.11.7", [b]: "3.12.1" });
    const sel = await selectPython(required(">=3.10"), {
      cacheDir: join(dir, "cache"),
      runner,
      discover: () =>
        Promise.resolve({ candidates: [a, b], rejected: [{ path: "/s", reason: "shim" }] }),
    });
    assert.equal(sel.python?.path, b);
    assert.equal(sel.source, "search");
    assert.equal(sel.satisfies, true);
    assert.deepEqual(sel.rejected.map((r) => r.path), ["/s", a]);
  });
});

Deno.test("selectPython() lists every candidate and reason when nothing satisfies", async () => {
  await withTemp(async (dir) => {
    const a = await fakePython(dir, "a");
    const runner = probeRunner({ [a]: "3.11.7" });
    const opts = {
      cacheDir: join(dir, "cache"),
      runner,
      discover: () => Promise.resolve({ candidates: [a, join(dir, "gone")], rejected: [] }),
    };
    const e = await expectPythonNotFound(
      selectPython(required("==3.5.*"), opts),
      /no interpreter satisfies ==3\.5\.\* \(from test\)/,
    );
    assert.match(e.details ?? "", new RegExp(`${a}: version 3.11.7 does not satisfy ==3.5.\\*`));
    assert.match(e.details ?? "", /gone: probe failed: no such file/);
    assert.match(e.hint ?? "", /--python/);
    const missing = await selectPython(required("==3.5.*"), { ...opts, allowMissing: true });
    assert.equal(missing.python, null);
    assert.equal(missing.satisfies, false);
    assert.equal(missing.rejected.length, 2);
  });
});

Deno.test("selectPython() uses an override path as is and reports whether it satisfies", async () => {
  await withTemp(async (dir) => {
    const a = await fakePython(dir, "a");
    const runner = probeRunner({ [a]: "3.9.18" });
    const sel = await selectPython(required("==3.12.*"), {
      override: a,
      cacheDir: join(dir, "cache"),
      runner,
      discover: () => Promise.reject(new Error("an override path must not search")),
    });
    assert.equal(sel.python?.version, "3.9.18");
    assert.equal(sel.source, "override");
    assert.equal(sel.satisfies, false);
    await expectPythonNotFound(
      selectPython(required(), { override: join(dir, "nope"), cacheDir: dir, runner }),
      /--python .*nope: no such file/,
    );
  });
});

Deno.test("selectPython() treats an override version as the requirement", async () => {
  await withTemp(async (dir) => {
    const a = await fakePython(dir, "a");
    const b = await fakePython(dir, "b");
    const runner = probeRunner({ [a]: "3.11.7", [b]: "3.12.1" });
    let seen: RequiredPython | null = null;
    const sel = await selectPython(required("==3.12.*"), {
      override: "3.11",
      overrideSource: "PRIME_PYTHON",
      cacheDir: join(dir, "cache"),
      runner,
      discover: (r) => {
        seen = r;
        return Promise.resolve({ candidates: [a, b], rejected: [] });
      },
    });
    assert.equal(sel.python?.path, a);
    assert.equal(seen!.source, "PRIME_PYTHON");
    assert.equal(seen!.requests[0].specifier, "==3.11.*");
  });
});

Deno.test("selectPython() honours the selector's answer, relative to the ref root", async () => {
  await withTemp(async (dir) => {
    const a = await fakePython(dir, "a");
    const selector = await fakePython(dir, "selector");
    let args: string[] = [];
    let cwd: string | undefined;
    const runner = probeRunner({ [a]: "3.12.1" }, (xs, o) => {
      args = xs;
      cwd = o?.cwd;
      return result(0, "some chatter\n./a\n\n");
    });
    const sel = await selectPython(required("==3.12.*"), {
      selector,
      refRoot: dir,
      cacheDir: join(dir, "cache"),
      runner,
      discover: () => Promise.reject(new Error("a selector's answer must not search")),
    });
    assert.equal(sel.python?.path, a);
    assert.equal(sel.source, "selector");
    assert.deepEqual(args, ["==3.12.*"]);
    assert.equal(cwd, dir);
  });
});

Deno.test("selectPython() falls through to the search when the selector prints nothing", async () => {
  await withTemp(async (dir) => {
    const a = await fakePython(dir, "a");
    const selector = await fakePython(dir, "selector");
    const runner = probeRunner({ [a]: "3.12.1" }, () => result(0, "\n  \n"));
    const sel = await selectPython(required(), {
      selector,
      refRoot: dir,
      cacheDir: join(dir, "cache"),
      runner,
      discover: () => Promise.resolve({ candidates: [a], rejected: [] }),
    });
    assert.equal(sel.source, "search");
    assert.equal(sel.python?.path, a);
  });
});

Deno.test("selectPython() turns every selector failure into exit 4 naming the selector", async () => {
  await withTemp(async (dir) => {
    const a = await fakePython(dir, "a");
    const selector = await fakePython(dir, "selector");
    const plain = join(dir, "plain");
    await Deno.writeTextFile(plain, "#!/bin/sh\n", { mode: 0o644 });
    const cases: Array<{ sel: string; answer?: RunResult; pattern: RegExp }> = [
      { sel: join(dir, "missing"), pattern: /selector .*missing: no such file/ },
      { sel: plain, pattern: /selector .*plain: not executable/ },
      {
        sel: selector,
        answer: result(3, "", "nope"),
        pattern: /selector .*: failed: exit code 3/,
      },
      {
        sel: selector,
        answer: result(137, "", "", { timedOut: true }),
        pattern: /selector .*: timed out after 30 s/,
      },
      {
        sel: selector,
        answer: result(127, "", "", { spawnError: "bad interpreter" }),
        pattern: /selector .*: cannot run: bad interpreter/,
      },
      {
        sel: selector,
        answer: result(0, "what is a python?\n"),
        pattern: /selector .*: printed "what is a python\?", which is not an existing file/,
      },
      {
        sel: selector,
        answer: result(0, `${plain}\n`),
        pattern: /selector .*: printed .*plain", which is not a usable Python: not executable/,
      },
      {
        sel: selector,
        answer: result(0, `${a}\n`),
        pattern: /selector .*: chose .*a, whose version 3\.9\.18 does not satisfy ==3\.12\.\*/,
      },
    ];
    for (const c of cases) {
      const runner = probeRunner({ [a]: "3.9.18" }, () => c.answer ?? result(0, ""));
      const e = await expectPythonNotFound(
        selectPython(required("==3.12.*"), {
          selector: c.sel,
          refRoot: dir,
          env: {},
          cacheDir: join(dir, "cache"),
          runner,
          discover: () => Promise.reject(new Error("a failing selector must not search")),
        }),
        c.pattern,
      );
      assert.ok(e.hint, `${c.pattern}: has a hint`);
    }
  });
});

Deno.test("pickPython() takes the user's first choice that names a satisfying Python, else the highest", () => {
  const probed = [
    info("/p/3.13", "3.13.0"),
    info("/p/3.12", "3.12.1"),
    info("/p/3.11", "3.11.7"),
    info("/p/3.9", "3.9.18"),
  ];
  const choice = (rule: string, value: string, paths: string[] = [], files: string[] = []) => ({
    rule,
    value,
    requests: paths.length ? [] : [req(`==${value}.*`)],
    paths,
    files,
  });
  const none = { rule: "mise.toml", value: "", requests: [], paths: [], files: ["/r/mise.toml"] };
  const got = pickPython(required(">=3.10"), probed, [
    choice("UV_PYTHON", "3.9", [], []),
    none,
    choice("pyenv global /root/version", "3.11", [], ["/root/version"]),
    choice("the first python3 on PATH", "/p/3.12", ["/p/3.12"]),
  ]);
  assert.equal(got.python?.version, "3.11.7");
  assert.equal(got.choice?.rule, "pyenv global /root/version");
  assert.deepEqual(got.ignoredChoices.map((c) => [c.rule, /does not satisfy/.test(c.why)]), [
    ["UV_PYTHON", true],
  ]);
  assert.deepEqual(got.choiceFiles, ["/r/mise.toml", "/root/version"], "up to the deciding one");
  assert.match(
    got.rejected.find((r) => r.path === "/p/3.13")!.reason,
    /not your choice: pyenv global/,
  );

  const path = pickPython(required(">=3.10"), probed, [
    choice("the first python3 on PATH", "/p/3.12", ["/p/3.12"]),
  ]);
  assert.equal(path.python?.version, "3.12.1", "an exact interpreter by its real path");

  const nothing = pickPython(required(">=3.10"), probed, [choice("UV_PYTHON", "3.8"), none]);
  assert.equal(nothing.python?.version, "3.13.0", "no choice decides: the highest");
  assert.equal(nothing.choice, null);
  assert.deepEqual(nothing.choiceFiles, ["/r/mise.toml"], "every consulted file counts");
});

Deno.test("pickPython() takes the first version a choice lists, as pyenv, asdf and mise make it `python`", () => {
  const probed = [info("/p/3.13", "3.13.0"), info("/p/3.12", "3.12.1"), info("/p/3.10", "3.10.13")];
  // `pyenv global 3.10.13 3.12.1` (pyenv names resolve to installs) and asdf's
  // `python 3.10 3.12` (requests): `python` is the first one, the others only add
  // their pythonX.Y.
  const byPath = {
    rule: "pyenv global /root/version",
    value: "3.10.13 3.12.1",
    requests: [],
    paths: ["/p/3.10", "/p/3.12"],
    files: [],
    order: [{ path: "/p/3.10" }, { path: "/p/3.12" }],
  };
  const got = pickPython(required(">=3.10"), probed, [byPath]);
  assert.equal(got.python?.version, "3.10.13");
  assert.match(
    got.rejected.find((r) => r.path === "/p/3.12")!.reason,
    /comes after 3\.10\.13 in pyenv global/,
  );
  const byRequest = {
    rule: "/r/.tool-versions",
    value: "3.10 3.12",
    requests: [req("==3.10.*"), req("==3.12.*")],
    paths: [],
    files: [],
    order: [{ request: req("==3.10.*") }, { request: req("==3.12.*") }],
  };
  assert.equal(pickPython(required(">=3.10"), probed, [byRequest]).python?.version, "3.10.13");
  // The first listed that satisfies the requirement: 3.10 does not here.
  assert.equal(pickPython(required(">=3.11"), probed, [byRequest]).python?.version, "3.12.1");
});
