/**
 * Interpreter selection against the real Pythons of this machine (pyenv's, found
 * dynamically), the real PATH (pyenv shims first, where they exist) and real
 * selector scripts written into temp dirs.
 */
import type { RequiredPython } from "../../src/python/types.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pyenvPythons, type RealPython, tempTree } from "../helpers/fixtures.ts";
import { requestFromSpecifier } from "../../src/python/python_version.ts";
import { run } from "../../src/process.ts";
import { fakeRunner } from "../helpers/fake_runner.ts";
import { findCandidates } from "../../src/python/discover.ts";
import { probeCachePath, probePython } from "../../src/python/probe.ts";
import { selectPython } from "../../src/python/select.ts";
import { need, requires } from "../helpers/requires.ts";
import { expectPythonNotFound } from "../helpers/errors.ts";

const PYENV_ROOT = Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME")}/.pyenv`;
const pythons = pyenvPythons();
const py3 = pythons.filter((p) => !p.version.startsWith("2."));
const py310 = pythons.find((p) => p.minor === "3.10");
const py2 = pythons.find((p) => p.version.startsWith("2."));
const newest = py3.at(-1);
const oldest = py3.at(0);

function required(text: string): RequiredPython {
  return { requests: [requestFromSpecifier(text, "test")], value: text, source: "test" };
}

/** The real runner, recording the children it starts. */
function counting() {
  return fakeRunner(run);
}

/** The version a real interpreter reports, learned without prime's probe. */
async function versionOf(path: string): Promise<string | null> {
  const out = await new Deno.Command(path, {
    args: ["-c", "import sys; print('%d.%d.%d' % tuple(sys.version_info[:3]))"],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => null);
  return out?.success ? new TextDecoder().decode(out.stdout).trim() : null;
}

function cmpVersion(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

Deno.test({
  name: "selectPython() finds pyenv's 3.10 on the real PATH, skipping the shims" +
    requires(need(py310, "no 3.10 under $PYENV_ROOT/versions")).why,
  ignore: py310 === undefined,
  fn: async () => {
    const cacheDir = await tempTree();
    const env = Deno.env.toObject();
    const sel = await selectPython(required("3.10"), { cacheDir, env });
    assert.equal(sel.source, "search");
    assert.equal(sel.satisfies, true);
    assert.ok(sel.python!.version.startsWith("3.10."), sel.python!.version);
    assert.equal(sel.python!.realPath, await Deno.realPath(py310!.path));
    for (const r of sel.rejected) {
      assert.ok(!r.path.includes("/shims/") || r.reason.startsWith("shim:"), JSON.stringify(r));
    }
    const shimDir = `${PYENV_ROOT}/shims`;
    if ((env.PATH ?? "").split(":").includes(shimDir)) {
      assert.ok(
        sel.rejected.some((r) => r.path.startsWith(shimDir) && r.reason.startsWith("shim:")),
        "the pyenv shims on PATH are recorded as skipped",
      );
    }
  },
});

Deno.test({
  name: "selectPython() picks the highest version that satisfies a range" +
    requires(need(py3.length >= 2, "fewer than two Python 3 versions under $PYENV_ROOT/versions"))
      .why,
  ignore: py3.length < 2,
  fn: async () => {
    // An upper bound that excludes the newest pyenv Python, so "highest" is not trivial.
    const top = newest!.minor;
    const spec = `>=${oldest!.minor},<${top}`;
    const cacheDir = await tempTree();
    const env = Deno.env.toObject();
    const sel = await selectPython(required(spec), { cacheDir, env });
    const versions = await Promise.all(
      (await findCandidates(required(spec), env)).candidates.map(versionOf),
    );
    const want = versions
      .filter((v): v is string => v !== null)
      .filter((v) => cmpVersion(v, `${oldest!.minor}.0`) >= 0 && cmpVersion(v, `${top}.0`) < 0)
      .sort(cmpVersion).at(-1);
    assert.ok(want, "some discovered interpreter is in range");
    assert.equal(sel.python!.version, want);
    assert.ok(cmpVersion(sel.python!.version, `${top}.0`) < 0);
  },
});

Deno.test({
  name: "selectPython() hits the probe cache on the second run and starts no interpreter" +
    requires(need(pythons.length, "no Pythons under $PYENV_ROOT/versions")).why,
  ignore: pythons.length === 0,
  fn: async () => {
    const cacheDir = await tempTree();
    const env = Deno.env.toObject();
    const first = counting();
    const a = await selectPython(required(">=3.6"), { cacheDir, env, runner: first });
    assert.ok(first.calls.length > 0, "the cold run probes");
    const second = counting();
    const b = await selectPython(required(">=3.6"), { cacheDir, env, runner: second });
    assert.equal(second.calls.length, 0, "the warm run starts nothing");
    assert.deepEqual(b.python, a.python);
    // Every interpreter the cold run started left one cache entry, and the chosen one's
    // entry records what it is.
    const entries = [...Deno.readDirSync(join(cacheDir, "probes"))].map((e) => e.name);
    const probed = new Set(first.calls.map((c) => Deno.realPathSync(c.cmd)));
    assert.equal(entries.length, probed.size, `entries: ${entries}`);
    const chosen = JSON.parse(
      Deno.readTextFileSync(await probeCachePath(cacheDir, a.python!.realPath)),
    );
    assert.equal(chosen.realPath, a.python!.realPath);
    assert.equal(chosen.version, a.python!.version);
    assert.equal(Deno.statSync(join(cacheDir, "probes")).mode! & 0o777, 0o700);
  },
});

Deno.test({
  name: "probePython() learns Python 2's version, and the search rejects it with a reason" +
    requires(need(py2, "no 2.x under $PYENV_ROOT/versions")).why,
  ignore: py2 === undefined,
  fn: async () => {
    const cacheDir = await tempTree();
    const info = await probePython(py2!.path, { cacheDir });
    assert.ok(!("error" in info), JSON.stringify(info));
    assert.equal(info.version, py2!.version);
    const e = await expectPythonNotFound(
      selectPython(required("==3.99.*"), { cacheDir, env: Deno.env.toObject() }),
      /no interpreter satisfies ==3\.99\.\* \(from test\)/,
    );
    assert.match(e.details!, new RegExp(`version ${py2!.version} is older than 3\\.4`));
  },
});

Deno.test({
  name: "selectPython() for 2.7 says prime runs 3.4 and newer, not to install 2.7" +
    requires(need(py2, "no 2.x under $PYENV_ROOT/versions")).why,
  ignore: py2 === undefined,
  fn: async () => {
    const cacheDir = await tempTree();
    const v = py2!.version.split(".").slice(0, 2).join(".");
    const e = await expectPythonNotFound(
      selectPython(required(v), { cacheDir, env: Deno.env.toObject() }),
      /no interpreter satisfies/,
    );
    assert.match(e.hint!, /require Python 3\.4 or newer/);
    assert.doesNotMatch(e.hint!, /pyenv install/);
  },
});

Deno.test({
  name: "selectPython() lists every rejected candidate when nothing satisfies" +
    requires(need(py3.length, "no Python 3 under $PYENV_ROOT/versions")).why,
  ignore: py3.length === 0,
  fn: async () => {
    const cacheDir = await tempTree();
    const e = await expectPythonNotFound(
      selectPython(required("3.99"), { cacheDir, env: Deno.env.toObject() }),
      /no interpreter satisfies ==3\.99\.\* \(from test\)/,
    );
    for (const p of py3) {
      assert.match(
        e.details!,
        new RegExp(
          `/${p.version}/bin/python3: version ${p.version} does not satisfy ==3\\.99\\.\\*`,
        ),
      );
    }
    assert.match(e.hint!, /pyenv install 3\.99.*--python/);
  },
});

Deno.test({
  name: "selectPython() uses an override path as is, reporting that it does not satisfy" +
    requires(need(py3.length >= 2, "fewer than two Python 3 versions under $PYENV_ROOT/versions"))
      .why,
  ignore: py3.length < 2,
  fn: async () => {
    const cacheDir = await tempTree();
    const sel = await selectPython(required(newest!.minor), { override: oldest!.path, cacheDir });
    assert.equal(sel.source, "override");
    assert.equal(sel.python!.version, oldest!.version);
    assert.equal(sel.satisfies, false);
  },
});

// ---- The selector script ----

async function selectorRepo(body: string, mode = 0o755): Promise<{ root: string; sel: string }> {
  const root = await tempTree();
  const sel = join(root, "select_python");
  await Deno.writeTextFile(sel, `#!/bin/sh\n${body}\n`, { mode });
  return { root, sel };
}

function withSelector(
  p: RealPython | undefined,
  name: string,
  fn: (p: RealPython) => Promise<void>,
): void {
  Deno.test({
    name: name + requires(need(p, "no Python 3 under $PYENV_ROOT/versions")).why,
    ignore: p === undefined,
    fn: () => fn(p!),
  });
}

withSelector(
  oldest,
  "selectPython() honours the selector's relative answer and passes the required version",
  async (p) => {
    const { root, sel } = await selectorRepo(
      `echo "$1" > got_arg\necho "looking..."\necho py/bin/python3\necho`,
    );
    await Deno.mkdir(join(root, "py", "bin"), { recursive: true });
    await Deno.symlink(p.path, join(root, "py", "bin", "python3"));
    const sel0 = await selectPython(required(p.minor), {
      selector: sel,
      refRoot: root,
      cacheDir: join(root, ".cache"),
    });
    assert.equal(sel0.source, "selector");
    assert.equal(sel0.python!.path, join(root, "py", "bin", "python3"));
    assert.equal(sel0.python!.version, p.version);
    assert.equal((await Deno.readTextFile(join(root, "got_arg"))).trim(), p.minor);
  },
);

withSelector(oldest, "selectPython() searches when the selector prints nothing", async (p) => {
  const { root, sel } = await selectorRepo("exit 0");
  const got = await selectPython(required(p.minor), {
    selector: sel,
    refRoot: root,
    cacheDir: join(root, ".cache"),
  });
  assert.equal(got.source, "search");
  assert.equal(got.python!.version.split(".").slice(0, 2).join("."), p.minor);
});

withSelector(oldest, "selectPython() exits 4 for every way a selector can fail", async (p) => {
  const cases: Array<{ body?: string; mode?: number; missing?: boolean; pattern: RegExp }> = [
    { missing: true, pattern: /python selector .*: no such file/ },
    { body: `echo ${p.path}`, mode: 0o644, pattern: /: not executable/ },
    { body: "echo oops >&2; exit 3", pattern: /: failed: exit code 3/ },
    { body: "exec sleep 30", pattern: /: timed out after 0\.5 s/ },
    {
      body: "echo 'I like snakes'",
      pattern: /printed "I like snakes", which is not an existing file/,
    },
    { body: "echo /bin/true", pattern: /printed "\/bin\/true", which is not a usable Python/ },
    {
      body: `echo ${p.path}`,
      pattern: new RegExp(`chose .*, whose version ${p.version} does not satisfy ==3\\.99\\.\\*`),
    },
  ];
  for (const c of cases) {
    const { root, sel } = await selectorRepo(c.body ?? "", c.mode);
    const selector = c.missing ? join(root, "no_such_selector") : sel;
    const e = await expectPythonNotFound(
      selectPython(required(c.pattern.source.includes("3\\.99") ? "==3.99.*" : p.minor), {
        selector,
        refRoot: root,
        cacheDir: join(root, ".cache"),
        env: { ...Deno.env.toObject(), PRIME_SELECTOR_TIMEOUT: "0.5" },
      }),
      c.pattern,
    );
    assert.ok(e.message.includes(selector), `${c.pattern}: the message names the selector`);
    assert.ok(e.hint, `${c.pattern}: there is a next step`);
  }
});
