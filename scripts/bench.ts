/**
 * prime's benchmark suite: warm starts, cold builds and many concurrent starts,
 * each against named peers measured in the same run, in alternating order. Prints a
 * Markdown table and (unless --no-write) writes it to docs/BENCH.md with the machine.
 *
 *   scripts/bench [--runs N] [--cold-runs N] [--only warm,own,cli,cold,wheels,rebuild,many,memory]
 *                 [--python PATH] [--prime-bin PATH] [--prime PATH] [--base CHECKOUT]
 *                 [--no-write] [--out FILE]
 *   scripts/bench [--runs N] --compare 'SHELL CMD' 'SHELL CMD'...   (ad hoc, first = baseline)
 *
 * Wall time is measured around each spawn; CPU time (user+sys of the child and its
 * descendants) comes from getrusage(RUSAGE_CHILDREN) through FFI, and is steadier than
 * wall time on a busy machine. Nothing here asserts a timing.
 */
import { obtainUv } from "../src/uv/obtain.ts";
import { cacheDir, sha256Hex } from "../src/core/paths.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** The prime measured: scripts/prime, or `--prime PATH` (another checkout's, for before/after). */
let PRIME = `${ROOT}/scripts/prime`;

interface Options {
  runs: number;
  coldRuns: number;
  only: Set<string>;
  python: string | null;
  /** A compiled prime binary to add to the warm-start table. */
  primeBin: string | null;
  /** Another checkout (say of an older commit) whose scripts/prime the `own` and `cli` rows also time. */
  base: string | null;
  write: boolean;
  out: string;
  /** Ad-hoc mode: shell commands to compare, the first one the baseline. */
  compare: string[] | null;
}

/** The table's sections, in order; `--only` picks some. */
const SECTIONS = ["warm", "own", "cli", "cold", "wheels", "rebuild", "many", "memory"];

function parseOptions(argv: string[]): Options {
  const o: Options = {
    runs: 40,
    coldRuns: 8,
    only: new Set(SECTIONS),
    python: null,
    primeBin: null,
    base: null,
    write: true,
    out: `${ROOT}/docs/BENCH.md`,
    compare: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--runs") o.runs = Number(next());
    else if (a === "--cold-runs") o.coldRuns = Number(next());
    else if (a === "--only") o.only = new Set(next().split(","));
    else if (a === "--python") o.python = next();
    else if (a === "--prime-bin") o.primeBin = next();
    else if (a === "--prime") PRIME = next();
    else if (a === "--base") o.base = next();
    else if (a === "--no-write") o.write = false;
    else if (a === "--out") o.out = next();
    else if (a === "--compare") {
      o.compare = argv.slice(i + 1);
      break;
    } else if (a === "-h" || a === "--help") {
      console.log(
        `usage: scripts/bench [--runs N] [--cold-runs N] [--only ${SECTIONS.join(",")}]\n` +
          "                     [--python PATH] [--prime-bin PATH] [--prime PATH] [--base CHECKOUT]\n" +
          "                     [--no-write] [--out FILE]\n" +
          "       scripts/bench [--runs N] --compare 'SHELL CMD' 'SHELL CMD'...",
      );
      Deno.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------
// Measuring

/** getrusage(RUSAGE_CHILDREN): CPU seconds of every waited-for descendant so far. */
const rusage = (() => {
  try {
    const lib = Deno.dlopen(Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6", {
      getrusage: { parameters: ["i32", "buffer"], result: "i32" },
    });
    const buf = new BigInt64Array(18);
    return (): number => {
      lib.symbols.getrusage(-1, new Uint8Array(buf.buffer));
      // struct rusage starts with two struct timeval (sec, usec): utime, stime.
      return Number(buf[0]) * 1e3 + Number(buf[1]) / 1e3 + Number(buf[2]) * 1e3 +
        Number(buf[3]) / 1e3;
    };
  } catch {
    return null;
  }
})();

/** One thing to time: a command, or a function doing the work (then timed as a whole). */
interface Case {
  name: string;
  cmd?: string[];
  fn?: () => Promise<void>;
  cwd?: string;
  env?: Record<string, string>;
  /** Untimed work before each run (removing a venv, say). */
  setup?: () => Promise<void> | void;
  /** The baseline its ratio is against (a name in the same group); none for baselines. */
  baseline?: string;
}

interface Result {
  name: string;
  wall: number[];
  cpu: number[];
  failures: number;
  baseline?: string;
}

let childEnv: Record<string, string> = {};

async function runOnce(c: Case): Promise<boolean> {
  if (c.fn) {
    await c.fn();
    return true;
  }
  const [cmd, ...args] = c.cmd!;
  const out = await new Deno.Command(cmd, {
    args,
    cwd: c.cwd,
    env: { ...childEnv, ...c.env },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join("\n");
    console.error(`  ${c.name}: exit ${out.code}: ${err}`);
  }
  return out.success;
}

/** Runs every case `runs` times in rotating order after one untimed warm-up each. */
async function measure(cases: Case[], runs: number, warmup = 1): Promise<Result[]> {
  const results = cases.map((c) => ({
    name: c.name,
    wall: [] as number[],
    cpu: [] as number[],
    failures: 0,
    baseline: c.baseline,
  }));
  for (let w = 0; w < warmup; w++) {
    for (const c of cases) {
      await c.setup?.();
      await runOnce(c);
    }
  }
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + r) % cases.length;
      const c = cases[i];
      await c.setup?.();
      const cpu0 = rusage?.() ?? 0;
      const t0 = performance.now();
      const ok = await runOnce(c);
      const t1 = performance.now();
      const cpu1 = rusage?.() ?? 0;
      if (!ok) results[i].failures++;
      results[i].wall.push(t1 - t0);
      results[i].cpu.push(cpu1 - cpu0);
    }
    Deno.stderr.writeSync(new TextEncoder().encode("."));
  }
  Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  return results;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const median = (xs: number[]) => quantile(xs, 0.5);

function fmtMs(x: number): string {
  if (!Number.isFinite(x)) return "–";
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;
}

function table(title: string, results: Result[], runs: number): string {
  const byName = new Map(results.map((r) => [r.name, r]));
  const lines = [
    `### ${title}`,
    "",
    `${runs} runs each, alternating order.`,
    "",
    "| command | median | p10 – p90 | min | CPU (median) | vs baseline (medians) |",
    "|---|---:|---:|---:|---:|---|",
  ];
  for (const r of results) {
    const m = median(r.wall);
    let vs = "baseline";
    if (r.baseline) {
      const b = byName.get(r.baseline);
      if (b) {
        const bm = median(b.wall);
        const d = m - bm;
        vs = `${(m / bm).toFixed(2)}× ${r.baseline} (${d >= 0 ? "+" : "−"}${fmtMs(Math.abs(d))})`;
      }
    }
    if (r.failures) vs += ` — **${r.failures} failed runs**`;
    lines.push(
      `| ${r.name} | ${fmtMs(m)} | ${fmtMs(quantile(r.wall, 0.1))} – ${
        fmtMs(quantile(r.wall, 0.9))
      } | ${fmtMs(Math.min(...r.wall))} | ${rusage ? fmtMs(median(r.cpu)) : "–"} | ${vs} |`,
    );
  }
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------
// Fixtures

/**
 * Removes a project's venv and prime's kept builds beside it (`.prime/`), so the next
 * `prime sync` really builds instead of switching back to a kept generation.
 */
function rmBuild(dir: string): () => void {
  return () => {
    for (const p of [`${dir}/.venv`, `${dir}/.prime`]) {
      try {
        Deno.removeSync(p, { recursive: true });
      } catch { /* first run */ }
    }
  };
}

async function sh(cmd: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: opts.cwd,
    env: { ...childEnv, ...opts.env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd.join(" ")} failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

function pyenvRoot(): string {
  return Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME") ?? ""}/.pyenv`;
}

/** The highest CPython 3.8+ under $PYENV_ROOT/versions, else python3 on PATH. */
function findPython(): { path: string; pyenvVersion: string | null } {
  const found: { v: number[]; name: string; path: string }[] = [];
  try {
    for (const e of Deno.readDirSync(`${pyenvRoot()}/versions`)) {
      const m = /^3\.(\d+)\.(\d+)$/.exec(e.name);
      if (!m || Number(m[1]) < 8) continue;
      const path = `${pyenvRoot()}/versions/${e.name}/bin/python3`;
      try {
        Deno.statSync(path);
        found.push({ v: [Number(m[1]), Number(m[2])], name: e.name, path });
      } catch { /* not installed fully */ }
    }
  } catch { /* no pyenv */ }
  found.sort((a, b) => b.v[0] - a.v[0] || b.v[1] - a.v[1]);
  if (found.length) return { path: found[0].path, pyenvVersion: found[0].name };
  for (const d of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${d}/python3`).isFile) return { path: `${d}/python3`, pyenvVersion: null };
    } catch { /* next */ }
  }
  throw new Error("no Python 3.8+ found (pyenv versions or python3 on PATH)");
}

function machine(python: string, pyVersion: string, uv: string): string {
  let cpu = "unknown CPU";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(Deno.readTextFileSync("/proc/cpuinfo"));
    if (m) cpu = m[1];
  } catch { /* not Linux */ }
  let mem = "";
  try {
    const m = /^MemTotal:\s*(\d+) kB/m.exec(Deno.readTextFileSync("/proc/meminfo"));
    if (m) mem = `, ${(Number(m[1]) / 1048576).toFixed(1)} GiB RAM`;
  } catch { /* not Linux */ }
  let load = "";
  try {
    load = `, load average at start ${Deno.readTextFileSync("/proc/loadavg").split(" ")[0]}`;
  } catch { /* not Linux */ }
  return [
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
    `- machine: ${Deno.build.target}, ${navigator.hardwareConcurrency} CPUs (nproc), ${cpu}${mem}${load}`,
    `- Deno ${Deno.version.deno}, Python ${pyVersion} (${python}), ${uv}`,
  ].join("\n");
}

const PROGRAM = 'import sys\nprint("hello from", sys.version_info[:2])\n';

// ---------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseOptions(Deno.args);
  if (opts.compare) {
    childEnv = Deno.env.toObject();
    const cases = opts.compare.map((c, i): Case => ({
      name: `\`${c}\``,
      cmd: ["/bin/sh", "-c", `exec ${c}`],
      baseline: i === 0 ? undefined : `\`${opts.compare![0]}\``,
    }));
    console.log(table("Comparison", await measure(cases, opts.runs), opts.runs));
    return;
  }
  const work = await Deno.makeTempDir({ prefix: "prime-bench-" });
  // Hermetic installs: no global pip configuration, no inherited PIP_*/UV_* settings.
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (!/^(PIP_|UV_|PRIME_|VIRTUAL_ENV$|PYTHONPATH$|PYTHONHOME$)/.test(k)) base[k] = v;
  }
  base.PIP_CONFIG_FILE = "/dev/null";
  base.PIP_DISABLE_PIP_VERSION_CHECK = "1";
  base.PRIME_CACHE_DIR = `${work}/prime-cache`;
  base.UV_CACHE_DIR = `${work}/uv-cache`;
  base.UV_PYTHON_DOWNLOADS = "never";
  base.UV_NO_CONFIG = "1";
  childEnv = base;

  const py = opts.python ? { path: opts.python, pyenvVersion: null } : findPython();
  const pyVersion = (await sh([py.path, "-c", "import platform;print(platform.python_version())"]))
    .trim();
  base.PRIME_PYTHON = py.path;

  // uv from PATH, prime's cache, or PyPI (prime's own obtainUv); put it first on PATH
  // so prime's uv driver and the raw uv runs use the same binary.
  const got = await obtainUv({
    cacheDir: cacheDir(),
    installArgs: [],
    offline: false,
    env: { ...Deno.env.toObject(), PIP_CONFIG_FILE: "/dev/null" },
  }).catch((e) => ({ path: null, tried: [String(e)] } as const));
  const uv = got.path;
  if (uv === null) console.error(`bench: no uv (${got.tried.join("; ")}); skipping uv cases`);
  else base.PATH = `${uv.slice(0, uv.lastIndexOf("/"))}:${base.PATH ?? "/usr/bin:/bin"}`;
  const uvDesc = uv ? `uv ${got.path !== null ? got.version : ""}` : "no uv";
  console.error(`bench: ${py.path} (${pyVersion}), ${uvDesc}, work dir ${work}`);
  // Taken now, so the load average is the machine's before the bench loads it.
  const machineText = machine(py.path, pyVersion, uvDesc);

  // Ten tiny local wheels.
  const wheels = `${work}/wheels`;
  const names = Array.from({ length: 10 }, (_, i) => `benchpkg${i}`);
  for (const n of names) {
    await sh([py.path, `${ROOT}/tests/helpers/make_wheel.py`, wheels, n, "1.0"]);
  }
  const findLinks = ["--no-index", "--find-links", wheels];
  const tomlArgs = JSON.stringify(findLinks);

  const sections: string[] = [];
  const notes: string[] = [];

  // --- warm start -------------------------------------------------------------
  if (["warm", "own", "cli", "many", "memory"].some((s) => opts.only.has(s))) {
    const proj = `${work}/warm`;
    Deno.mkdirSync(proj, { recursive: true });
    Deno.writeTextFileSync(
      `${proj}/prime.toml`,
      `venv_driver = "venv_pip"\ndependencies = ["benchpkg0==1.0"]\ninstall_args = ${tomlArgs}\n`,
    );
    Deno.writeTextFileSync(`${proj}/app.py`, PROGRAM);
    const script = `${proj}/script.py`;
    Deno.writeTextFileSync(
      script,
      `# /// script\n# dependencies = ["benchpkg0==1.0"]\n# [tool.prime]\n` +
        `# install_args = ${tomlArgs}\n# venv_driver = "venv_pip"\n# ///\n${PROGRAM}`,
    );
    ageTree(proj);
    await sh([PRIME, "app.py"], { cwd: proj });
    await sh([PRIME, "script.py"], { cwd: proj });
    // The same project with declared inputs: a glob matching 1,000 files in 20 dirs,
    // which the warm path expands and checks (by stat) on every start.
    const inputsProj = `${work}/warm-inputs`;
    for (let d = 0; d < 20; d++) {
      Deno.mkdirSync(`${inputsProj}/src/mod${d}`, { recursive: true });
      for (let f = 0; f < 50; f++) {
        Deno.writeTextFileSync(`${inputsProj}/src/mod${d}/f${f}.c`, `int f${d}_${f};\n`);
      }
    }
    Deno.writeTextFileSync(
      `${inputsProj}/prime.toml`,
      `venv_driver = "venv_pip"\ndependencies = ["benchpkg0==1.0"]\ninstall_args = ${tomlArgs}\n` +
        `inputs = ["src/**/*.c"]\n`,
    );
    Deno.writeTextFileSync(`${inputsProj}/app.py`, PROGRAM);
    ageTree(inputsProj);
    await sh([PRIME, "app.py"], { cwd: inputsProj });
    const venvPy = `${proj}/.venv/bin/python`;
    const emptyTs = `${work}/empty.ts`;
    Deno.writeTextFileSync(emptyTs, "");
    const denoBin = Deno.execPath();

    const cases: Case[] = [
      { name: "`python -I app.py` (the venv's)", cmd: [venvPy, "-I", "app.py"], cwd: proj },
      {
        name: "`prime app.py`",
        cmd: [PRIME, "app.py"],
        cwd: proj,
        baseline: "`python -I app.py` (the venv's)",
      },
      {
        name: "`prime app.py`, `inputs` matching 1,000 files",
        cmd: [PRIME, "app.py"],
        cwd: inputsProj,
        baseline: "`prime app.py`",
      },
      {
        name: "`deno run` of an empty file (floor)",
        cmd: [denoBin, "run", "--no-config", "--no-lock", emptyTs],
        cwd: proj,
        baseline: "`python -I app.py` (the venv's)",
      },
    ];
    if (uv) {
      await sh([uv, "run", "-q", "--python", py.path, ...findLinks, "--script", script], {
        cwd: proj,
      });
      cases.push({
        name: "`uv run --script script.py`",
        cmd: [uv, "run", "-q", "--python", py.path, ...findLinks, "--script", script],
        cwd: proj,
        baseline: "`python -I app.py` (the venv's)",
      });
    }
    // The PEP 723 case is compared with uv run on the same script (the budget: faster).
    cases.push({
      name: "`prime script.py` (PEP 723)",
      cmd: [PRIME, "script.py"],
      cwd: proj,
      baseline: uv ? "`uv run --script script.py`" : "`python -I app.py` (the venv's)",
    });
    if (opts.primeBin) {
      cases.push({
        name: "`prime app.py` (compiled binary)",
        cmd: [opts.primeBin, "app.py"],
        cwd: proj,
        baseline: "`python -I app.py` (the venv's)",
      });
    } else notes.push("compiled binary: not measured (pass --prime-bin dist/prime-...).");
    const shim = `${pyenvRoot()}/shims/python`;
    let hasShim = false;
    try {
      hasShim = Deno.statSync(shim).isFile && py.pyenvVersion !== null;
    } catch { /* no pyenv */ }
    if (hasShim) {
      cases.push({
        name: "pyenv shim `python app.py`",
        cmd: [shim, "app.py"],
        cwd: proj,
        env: { PYENV_VERSION: py.pyenvVersion! },
        baseline: "`python -I app.py` (the venv's)",
      });
    } else notes.push("pyenv shim: not present on this machine, not measured.");

    if (opts.only.has("warm")) {
      console.error(`bench: warm start (${opts.runs} runs)`);
      sections.push(table("Warm start", await measure(cases, opts.runs), opts.runs));
    }

    if (opts.only.has("own")) {
      sections.push(
        await ownCost({ opts, work, emptyTs, denoBin, tomlArgs }),
      );
    }

    // The cold CLI's fixed cost: what every command that is not a warm start pays
    // before doing its own work (module loading, npm packages), against the floor.
    if (opts.only.has("cli")) {
      const floor = "`deno run` of an empty file (floor)";
      const cli: Case[] = [
        { name: floor, cmd: [denoBin, "run", "--no-config", "--no-lock", emptyTs], cwd: proj },
      ];
      // With --base, the same rows for that checkout's prime, in the same alternation:
      // before and after in one run.
      const primes = [{ label: "", prime: PRIME }];
      if (opts.base) {
        const name = opts.base.replace(/\/+$/, "").split("/").pop();
        primes.push({ label: ` (${name})`, prime: `${opts.base}/scripts/prime` });
      }
      const rows: [string, string[]][] = [
        ["`prime --version`", ["--version"]],
        ["`prime --help`", ["--help"]],
        ["`prime info` (fresh env)", ["info"]],
        ["`prime env` (fresh env, as direnv runs it)", ["env"]],
      ];
      for (const [name, args] of rows) {
        for (const { label, prime } of primes) {
          cli.push({ name: name + label, cmd: [prime, ...args], cwd: proj, baseline: floor });
        }
      }
      console.error(`bench: cold CLI fixed cost (${opts.runs} runs)`);
      sections.push(table("Cold CLI fixed cost", await measure(cli, opts.runs), opts.runs));
    }

    if (opts.only.has("many")) {
      const batch = (cmd: string[]) => async () => {
        await Promise.all(
          Array.from({ length: 32 }, () =>
            new Deno.Command(cmd[0], {
              args: cmd.slice(1),
              cwd: proj,
              env: childEnv,
              clearEnv: true,
              stdout: "null",
              stderr: "null",
            }).output()),
        );
      };
      const many: Case[] = [
        { name: "32 × `python -I app.py`, concurrent", fn: batch([venvPy, "-I", "app.py"]) },
        {
          name: "32 × `prime app.py`, concurrent",
          fn: batch([PRIME, "app.py"]),
          baseline: "32 × `python -I app.py`, concurrent",
        },
      ];
      const runs = Math.max(5, Math.round(opts.runs / 4));
      console.error(`bench: many starts (${runs} runs)`);
      sections.push(table("Many starts (wall time of the batch)", await measure(many, runs), runs));
    }

    if (opts.only.has("memory")) {
      console.error("bench: peak memory");
      sections.push(
        await memory(py.path, proj, [
          ["`python -I app.py` (the venv's)", [venvPy, "-I", "app.py"]],
          ["`prime app.py`", [PRIME, "app.py"]],
          ["`deno run` of an empty file", [denoBin, "run", "--no-config", "--no-lock", emptyTs]],
        ]),
      );
    }
  }

  // --- cold build, no dependencies ------------------------------------------------
  if (opts.only.has("cold")) {
    const cases: Case[] = [];
    const rm = (p: string) => () => {
      try {
        Deno.removeSync(p, { recursive: true });
      } catch { /* first run */ }
    };
    const pipDir = `${work}/cold-pip`;
    Deno.mkdirSync(pipDir);
    Deno.writeTextFileSync(`${pipDir}/prime.toml`, `venv_driver = "venv_pip"\n`);
    cases.push({
      name: "`python -m venv --without-pip`",
      cmd: [py.path, "-m", "venv", "--without-pip", `${work}/v-nopip`],
      setup: rm(`${work}/v-nopip`),
    });
    cases.push({
      name: "`python -m venv` (with ensurepip)",
      cmd: [py.path, "-m", "venv", `${work}/v-pip`],
      setup: rm(`${work}/v-pip`),
      baseline: "`python -m venv --without-pip`",
    });
    cases.push({
      name: "prime sync, pip driver",
      cmd: [PRIME, "sync"],
      cwd: pipDir,
      setup: rmBuild(pipDir),
      baseline: "`python -m venv --without-pip`",
    });
    if (uv) {
      const uvDir = `${work}/cold-uv`;
      Deno.mkdirSync(uvDir);
      Deno.writeTextFileSync(`${uvDir}/prime.toml`, `venv_driver = "venv_uv"\n`);
      cases.push({
        name: "`uv venv`",
        cmd: [uv, "venv", "-q", "--python", py.path, `${work}/v-uv`],
        setup: rm(`${work}/v-uv`),
      });
      cases.push({
        name: "prime sync, uv driver",
        cmd: [PRIME, "sync"],
        cwd: uvDir,
        setup: rmBuild(uvDir),
        baseline: "`uv venv`",
      });
    }
    console.error(`bench: cold build, no dependencies (${opts.coldRuns} runs)`);
    sections.push(
      table("Cold build, no dependencies", await measure(cases, opts.coldRuns), opts.coldRuns),
    );
  }

  // --- cold build, 10 local wheels ----------------------------------------------
  if (opts.only.has("wheels")) {
    const rm = (p: string) => () => {
      try {
        Deno.removeSync(p, { recursive: true });
      } catch { /* first run */ }
    };
    const req = `${work}/requirements.txt`;
    Deno.writeTextFileSync(req, names.map((n) => `${n}==1.0\n`).join(""));
    const cases: Case[] = [
      {
        name: "`python -m venv && pip install -r`",
        cmd: [
          "/bin/sh",
          "-c",
          `"$0" -m venv "$1" && "$1/bin/pip" install -q ${findLinks.join(" ")} -r "$2"`,
          py.path,
          `${work}/w-pip`,
          req,
        ],
        setup: rm(`${work}/w-pip`),
      },
    ];
    for (const [driver, label] of [["venv_pip", "pip"], ["venv_uv", "uv"]] as const) {
      if (driver === "venv_uv" && !uv) continue;
      const dir = `${work}/wheels-${label}`;
      Deno.mkdirSync(dir);
      Deno.copyFileSync(req, `${dir}/requirements.txt`);
      Deno.writeTextFileSync(
        `${dir}/prime.toml`,
        `venv_driver = "${driver}"\ninstall_args = ${tomlArgs}\n`,
      );
      cases.push({
        name: `prime sync, ${label} driver`,
        cmd: [PRIME, "sync"],
        cwd: dir,
        setup: rmBuild(dir),
        baseline: label === "pip"
          ? "`python -m venv && pip install -r`"
          : "`uv venv && uv pip install -r`",
      });
      if (label === "uv") {
        cases.splice(1, 0, {
          name: "`uv venv && uv pip install -r`",
          cmd: [
            "/bin/sh",
            "-c",
            `"$0" venv -q --python "$1" "$2" && "$0" pip install -q --python "$2/bin/python" ${
              findLinks.join(" ")
            } -r "$3"`,
            uv!,
            py.path,
            `${work}/w-uv`,
            req,
          ],
          setup: rm(`${work}/w-uv`),
        });
      }
    }
    // The cost of a phased install: the same 10 wheels, 9 pinned with --hash (as
    // pip-compile --generate-hashes writes them) and one unpinned dependency, which pip
    // cannot take in one call: two pip calls instead of one.
    {
      const dir = `${work}/wheels-hashed`;
      Deno.mkdirSync(dir);
      const lines: string[] = [];
      for (const n of names.slice(0, -1)) {
        const whl = Deno.readFileSync(`${wheels}/${n}-1.0-py3-none-any.whl`);
        const hex = await sha256Hex(whl);
        lines.push(`${n}==1.0 \\\n    --hash=sha256:${hex}\n`);
      }
      Deno.writeTextFileSync(`${dir}/requirements.txt`, lines.join(""));
      Deno.writeTextFileSync(
        `${dir}/prime.toml`,
        `venv_driver = "venv_pip"\ndependencies = ["${
          names.at(-1)
        }"]\ninstall_args = ${tomlArgs}\n`,
      );
      cases.push({
        name: "prime sync, pip driver, hash-pinned file + 1 dependency (2 pip calls)",
        cmd: [PRIME, "sync"],
        cwd: dir,
        setup: rmBuild(dir),
        baseline: "prime sync, pip driver",
      });
    }
    console.error(`bench: cold build, 10 local wheels (${opts.coldRuns} runs)`);
    sections.push(
      table("Cold build, 10 local wheels", await measure(cases, opts.coldRuns), opts.coldRuns),
    );
  }

  // --- rebuild against uv (issue 24) --------------------------------------------
  // A uv-driver `prime sync` that must rebuild, against what uv itself does for the
  // same project, with warm caches: each pair in one run, in alternating order.
  if (opts.only.has("rebuild") && uv) {
    const deps = names.map((n) => `"${n}==1.0"`).join(", ");
    const pyproject = `[project]\nname = "benchapp"\nversion = "0.1"\n` +
      `requires-python = ">=3.8"\ndependencies = [${deps}]\n`;
    const uvArgs = ["--no-index", "--find-links", wheels, "--python", py.path];
    const dirFor = (name: string, files: Record<string, string>) => {
      const dir = `${work}/rebuild-${name}`;
      Deno.mkdirSync(dir, { recursive: true });
      for (const [f, text] of Object.entries(files)) Deno.writeTextFileSync(`${dir}/${f}`, text);
      return dir;
    };
    // prime's copy and uv's copy of each project: `uv sync` writes uv.lock, and each
    // side must find the project as its own runs left it.
    const primeToml = `venv_driver = "venv_uv"\ninstall_args = ${tomlArgs}\n`;
    const locked = { "pyproject.toml": pyproject };
    const lockP = dirFor("lock-prime", { ...locked, "prime.toml": primeToml });
    const lockU = dirFor("lock-uv", locked);
    await sh([uv, "lock", "-q", ...uvArgs], { cwd: lockU });
    Deno.copyFileSync(`${lockU}/uv.lock`, `${lockP}/uv.lock`);
    const freeP = dirFor("nolock-prime", { ...locked, "prime.toml": primeToml });
    const freeU = dirFor("nolock-uv", locked);
    const reqText = names.map((n) => `${n}==1.0\n`).join("");
    const reqP = dirFor("req-prime", { "requirements.txt": reqText, "prime.toml": primeToml });
    const reqU = dirFor("req-uv", { "requirements.txt": reqText });
    const hello = `${ROOT}/examples/hello`;
    const helloP = dirFor("hello-prime", {
      "app.py": Deno.readTextFileSync(`${hello}/app.py`),
      "prime.toml": Deno.readTextFileSync(`${hello}/prime.toml`),
    });
    const helloU = `${work}/rebuild-hello-uv`;
    Deno.mkdirSync(helloU);
    for (const d of [helloP, helloU]) {
      Deno.mkdirSync(`${d}/wheels`);
      for (const e of Deno.readDirSync(`${hello}/wheels`)) {
        Deno.copyFileSync(`${hello}/wheels/${e.name}`, `${d}/wheels/${e.name}`);
      }
    }
    const rm = (dir: string, ...what: string[]) => () => {
      for (const w of what) {
        try {
          Deno.removeSync(`${dir}/${w}`, { recursive: true });
        } catch { /* first run */ }
      }
    };
    const venvPip = (install: string) => [
      "/bin/sh",
      "-c",
      `"$0" venv -q --python "$1" .venv && "$0" pip install -q ${install}`,
      uv,
      py.path,
    ];
    // The floor of any prime run from source: Deno's start, then the same `uv sync`
    // spawned once (output piped, as prime reads it); and the same through prime's
    // supervised runner (src/process.ts: a Python supervisor, so a killed prime leaves
    // no installer writing), which every uv-driver build keeps.
    const lockF = dirFor("lock-floor", locked);
    Deno.copyFileSync(`${lockU}/uv.lock`, `${lockF}/uv.lock`);
    const floorTs = `${work}/floor_spawn.ts`;
    Deno.writeTextFileSync(
      floorTs,
      "const [cmd, , ...args] = Deno.args;\n" +
        'const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();\n' +
        "Deno.exit(o.code);\n",
    );
    const floorSupTs = `${work}/floor_supervised.ts`;
    Deno.writeTextFileSync(
      floorSupTs,
      `import { run } from ${JSON.stringify(`${ROOT}/src/process.ts`)};\n` +
        "const [cmd, py, ...args] = Deno.args;\n" +
        "Deno.exit((await run(cmd, args, { dieWithPrime: py })).code);\n",
    );
    const denoFloor = (ts: string) => [
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-config",
      "--no-lock",
      "-A",
      ts,
      uv,
      py.path,
      "sync",
      "-q",
      ...uvArgs,
    ];
    const cases: Case[] = [
      {
        name: "pyproject + uv.lock: `rm -rf .venv && uv sync`",
        cmd: [uv, "sync", "-q", ...uvArgs],
        cwd: lockU,
        setup: rm(lockU, ".venv"),
      },
      {
        name: "pyproject + uv.lock: `prime sync`",
        cmd: [PRIME, "sync", "-q"],
        cwd: lockP,
        setup: rmBuild(lockP),
        baseline: "pyproject + uv.lock: `rm -rf .venv && uv sync`",
      },
      {
        name: "floor: `deno run` spawning that `uv sync`",
        cmd: denoFloor(floorTs),
        cwd: lockF,
        setup: rm(lockF, ".venv"),
        baseline: "pyproject + uv.lock: `rm -rf .venv && uv sync`",
      },
      {
        name: "floor: `deno run` + src/process.ts's supervised `uv sync`",
        cmd: denoFloor(floorSupTs),
        cwd: lockF,
        setup: rm(lockF, ".venv"),
        baseline: "pyproject + uv.lock: `rm -rf .venv && uv sync`",
      },
      {
        name: "pyproject, no lock: `rm -rf .venv uv.lock && uv sync`",
        cmd: [uv, "sync", "-q", ...uvArgs],
        cwd: freeU,
        setup: rm(freeU, ".venv", "uv.lock"),
      },
      {
        name: "pyproject, no lock: `prime sync`",
        cmd: [PRIME, "sync", "-q"],
        cwd: freeP,
        setup: rmBuild(freeP),
        baseline: "pyproject, no lock: `rm -rf .venv uv.lock && uv sync`",
      },
      {
        name: "requirements.txt: `uv venv && uv pip install -r`",
        cmd: venvPip(`--no-index --find-links ${wheels} -r requirements.txt`),
        cwd: reqU,
        setup: rm(reqU, ".venv"),
      },
      {
        name: "requirements.txt: `prime sync`",
        cmd: [PRIME, "sync", "-q"],
        cwd: reqP,
        setup: rmBuild(reqP),
        baseline: "requirements.txt: `uv venv && uv pip install -r`",
      },
      {
        name: "examples/hello: `uv venv && uv pip install`",
        cmd: venvPip("--no-index --find-links wheels greeting==1.0"),
        cwd: helloU,
        setup: rm(helloU, ".venv"),
      },
      {
        name: "examples/hello: `prime sync`, uv driver",
        cmd: [PRIME, "sync", "-q"],
        cwd: helloP,
        env: { PRIME_VENV_DRIVER: "venv_uv" },
        setup: rmBuild(helloP),
        baseline: "examples/hello: `uv venv && uv pip install`",
      },
    ];
    console.error(`bench: rebuild against uv (${opts.coldRuns} runs)`);
    sections.push(
      table(
        "Rebuild against uv (uv driver, warm caches)",
        await measure(cases, opts.coldRuns),
        opts.coldRuns,
      ),
    );
  } else if (opts.only.has("rebuild")) notes.push("rebuild against uv: no uv, not measured.");

  const doc = [
    "## Benchmarks",
    "",
    "Produced by `scripts/bench` (`deno task bench`); prime runs from source through",
    "`scripts/prime`, so every prime figure includes `deno run` start-up.",
    "",
    machineText,
    "",
    ...sections,
    ...(notes.length ? [notes.map((n) => `- ${n}`).join("\n"), ""] : []),
  ].join("\n");
  console.log(doc);
  if (opts.write) {
    writeSection(opts.out, doc);
    console.error(`bench: wrote ${opts.out}`);
  }
  await Deno.remove(work, { recursive: true }).catch(() => {});
}

/**
 * Sets every mtime under `dir` (files first, then their directory) a minute back: a
 * repo built long after its files were written, as a checkout usually is. A file or
 * directory changed within 3 s of a build is not trusted by its stat (RACY_MS in
 * src/core/files.ts) and is hashed or listed on each warm start, which a tree written
 * just before its build would time instead.
 */
function ageTree(dir: string): void {
  const old = new Date(Date.now() - 60_000);
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) ageTree(`${dir}/${e.name}`);
    else if (e.isFile) Deno.utimeSync(`${dir}/${e.name}`, old, old);
  }
  Deno.utimeSync(dir, old, old);
}

/**
 * prime's own warm cost: each warm start timed in alternation with its floor, the same
 * program run by its venv's python right after an empty `deno run` (one `sh -c`, as
 * scripts/prime is one sh), so the difference of the medians is what prime itself adds.
 * And `inputs` globs over 1,000 and 10,000 files against the same repo without them.
 * With --base, another checkout's scripts/prime (say the commit before a change) is
 * timed in the same alternation, on its own copies of the repos (two versions of prime
 * need not agree on a venv's inputs, and would rebuild each other's).
 */
async function ownCost(c: {
  opts: Options;
  work: string;
  emptyTs: string;
  denoBin: string;
  tomlArgs: string;
}): Promise<string> {
  const { denoBin, emptyTs } = c;
  const primes: { label: string; prime: string; dir: string }[] = [
    { label: "", prime: PRIME, dir: `${c.work}/own` },
  ];
  if (c.opts.base) {
    primes.push({
      label: ` (${c.opts.base.replace(/\/+$/, "").split("/").pop()})`,
      prime: `${c.opts.base}/scripts/prime`,
      dir: `${c.work}/own-base`,
    });
  }
  // The program each start execs, from -v's "exec PROGRAM" (the warm path's own line).
  const execOf = async (args: string[], cwd: string): Promise<string> => {
    const out = await new Deno.Command(PRIME, {
      args: ["-v", ...args],
      cwd,
      env: childEnv,
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).output();
    const m = / is fresh; exec (\S+)/.exec(new TextDecoder().decode(out.stderr));
    if (!m) throw new Error(`prime ${args.join(" ")} did not take the warm path in ${cwd}`);
    return m[1];
  };
  const floor = (python: string, args: string[]) => [
    "/bin/sh",
    "-c",
    `"$0" run --no-config --no-lock "$1" && shift && exec "$@"`,
    denoBin,
    emptyTs,
    python,
    ...args,
  ];
  const toml = `venv_driver = "venv_pip"\ndependencies = ["benchpkg0==1.0"]\n` +
    `install_args = ${c.tomlArgs}\n`;
  // Each prime's repos: a plain one with a PEP 723 script beside, and two with `inputs`
  // globs over 1,000 files (20 dirs) and 10,000 (100 dirs).
  for (const { dir } of primes) {
    Deno.mkdirSync(`${dir}/repo`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/repo/prime.toml`, toml);
    Deno.writeTextFileSync(`${dir}/repo/app.py`, PROGRAM);
    Deno.writeTextFileSync(
      `${dir}/repo/script.py`,
      `# /// script\n# dependencies = ["benchpkg0==1.0"]\n# [tool.prime]\n` +
        `# install_args = ${c.tomlArgs}\n# venv_driver = "venv_pip"\n# ///\n${PROGRAM}`,
    );
    for (const [name, dirs] of [["in1k", 10], ["in10k", 100]] as const) {
      for (let d = 0; d < dirs; d++) {
        Deno.mkdirSync(`${dir}/${name}/src/mod${d}`, { recursive: true });
        for (let f = 0; f < 100; f++) {
          Deno.writeTextFileSync(`${dir}/${name}/src/mod${d}/f${f}.c`, `int f${d}_${f};\n`);
        }
      }
      Deno.writeTextFileSync(`${dir}/${name}/prime.toml`, toml + `inputs = ["src/**/*.c"]\n`);
      Deno.writeTextFileSync(`${dir}/${name}/app.py`, PROGRAM);
    }
    ageTree(dir);
  }
  const cases: Case[] = [];
  const rows: [string, string[], string[]][] = [
    ["`prime app.py` (repo)", ["app.py"], ["-s", "app.py"]],
    ["`prime script.py` (PEP 723)", ["script.py"], ["-s", "script.py"]],
    ["`prime run python -c pass`", ["run", "python", "-c", "pass"], ["-s", "-c", "pass"]],
  ];
  for (const [name, args, pyArgs] of rows) {
    for (const { prime, dir } of primes) {
      await sh([prime, ...args], { cwd: `${dir}/repo` });
      await sh([prime, ...args], { cwd: `${dir}/repo` });
    }
    const cwd = `${primes[0].dir}/repo`;
    const python = await execOf(args, cwd);
    const floorName = `floor of ${name}: empty \`deno run\`, then its python`;
    cases.push({ name: floorName, cmd: floor(python, pyArgs), cwd });
    for (const { label, prime, dir } of primes) {
      cases.push({
        name: `${name}${label}`,
        cmd: [prime, ...args],
        cwd: `${dir}/repo`,
        baseline: floorName,
      });
    }
  }
  for (const { label, prime, dir } of primes) {
    for (const name of ["in1k", "in10k"]) {
      await sh([prime, "app.py"], { cwd: `${dir}/${name}` });
      await sh([prime, "app.py"], { cwd: `${dir}/${name}` });
    }
    const plain = `\`prime app.py\` (repo)${label}`;
    cases.push({
      name: `\`prime app.py\`, \`inputs\` matching 1,000 files${label}`,
      cmd: [prime, "app.py"],
      cwd: `${dir}/in1k`,
      baseline: plain,
    });
    cases.push({
      name: `\`prime app.py\`, \`inputs\` matching 10,000 files${label}`,
      cmd: [prime, "app.py"],
      cwd: `${dir}/in10k`,
      baseline: plain,
    });
  }
  await execOf(["app.py"], `${primes[0].dir}/in10k`);
  console.error(`bench: prime's own warm cost (${c.opts.runs} runs)`);
  return table(
    "prime's own warm cost (paired with its floor)",
    await measure(cases, c.opts.runs),
    c.opts.runs,
  ) + "\nEach prime row minus its floor (the +ms) is what prime itself adds to a start;\n" +
    "the `inputs` rows are against the same repo without `inputs`.\n";
}

/** Peak RSS via a Python parent's getrusage(RUSAGE_CHILDREN).ru_maxrss (see docs). */
async function memory(python: string, cwd: string, cmds: [string, string[]][]): Promise<string> {
  const probe = "import resource,subprocess,sys\n" +
    "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,check=True)\n" +
    "r=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n" +
    "print(r//1024 if sys.platform=='darwin' else r)";
  const lines = [
    "### Peak memory",
    "",
    "Maximum resident set size, median of 5 runs. Linux keeps a process's peak",
    "across execve, so for `prime app.py` this is the larger of prime's warm path before",
    "exec and the Python program after it.",
    "",
    "| command | max RSS |",
    "|---|---:|",
  ];
  for (const [name, cmd] of cmds) {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      xs.push(Number((await sh([python, "-c", probe, ...cmd], { cwd })).trim()));
    }
    lines.push(`| ${name} | ${(median(xs) / 1024).toFixed(1)} MiB |`);
  }
  return lines.join("\n") + "\n";
}

/** Replaces the generated part of docs/BENCH.md, keeping the hand-written notes below it. */
function writeSection(path: string, doc: string) {
  const MARK = "<!-- end of generated benchmark tables -->";
  let rest = "";
  try {
    const old = Deno.readTextFileSync(path);
    const i = old.indexOf(MARK);
    if (i >= 0) rest = old.slice(i + MARK.length);
  } catch { /* first write */ }
  Deno.writeTextFileSync(path, `${doc}\n${MARK}${rest}`);
  // The README links to docs/BENCH.md and keeps no copy of the tables (it is one page).
  // Keep `deno fmt --check` (deno task check) clean: it aligns the tables.
  new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", "--config", `${ROOT}/deno.json`, path],
    stdout: "null",
    stderr: "null",
  })
    .outputSync();
}

if (import.meta.main) await main();
