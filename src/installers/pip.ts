/**
 * The pip driver. The venv is made with `venv --without-pip` (about 50 ms, where
 * ensurepip costs about 4 s and is missing on Debian), and pip then runs from one
 * shared copy outside the venv, installing into it:
 *   1. the interpreter's own bundled pip wheel (ensurepip/_bundled), else Debian's
 *      /usr/share/python-wheels, the first whose Requires-Python admits the
 *      interpreter, unpacked once into the cache and run by the venv's python;
 *   2. else the base interpreter's installed pip with `--python <venv python>`.
 * So the venv holds only what the project asked for, like a uv venv.
 */
import { activatedEnv, type BuildContext, type VenvDriver } from "./driver.ts";
import type { PythonInfo } from "../python/types.ts";
import { VenvError } from "../core/errors.ts";
import { installFailure } from "./failure.ts";
import { installPhases, phaseNote, planIsEmpty } from "../deps/plan.ts";
import { exitText, tail } from "../process.ts";
import { listZipEntries, readZipEntry } from "../pypa/wheel.ts";
import { compareVersions, versionSatisfies } from "../pypa/specifier.ts";
import * as log from "../log.ts";
import { ownCacheSubdir, venvPython } from "../core/paths.ts";
import { basename, isFile } from "../core/files.ts";
import { type Watch, watchPip } from "./progress.ts";

/** How pip is started for a venv. */
export interface PipLauncher {
  /** The program to start (the venv python, or the base python). */
  kind: "wheel" | "base";
  /** Arguments that come before `install`. */
  prefix(venvPython: string): { program: string; args: string[] };
  version: string;
  where: string;
}

function minor(version: string): string {
  const [a, b] = version.split(".");
  return `${a}.${b}`;
}

function listPipWheels(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => /^pip-[0-9][^-]*-py[23]/.test(e.name) && e.name.endsWith(".whl"))
      .map((e) => `${dir}/${e.name}`);
  } catch {
    return [];
  }
}

function wheelVersion(path: string): string {
  return basename(path).split("-")[1] ?? "unknown";
}

function newestFirst(paths: string[]): string[] {
  const order = (a: string, b: string) => {
    try {
      return compareVersions(wheelVersion(b), wheelVersion(a));
    } catch {
      return wheelVersion(b).localeCompare(wheelVersion(a));
    }
  };
  return [...paths].sort(order);
}

/**
 * The `Requires-Python` of a wheel's METADATA: the specifier, null when the wheel
 * declares none, or undefined when the wheel cannot be read.
 */
export function wheelRequiresPython(wheel: string): string | null | undefined {
  try {
    const zip = Deno.readFileSync(wheel);
    const entry = listZipEntries(zip).find((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
    if (!entry) return undefined;
    const text = new TextDecoder().decode(readZipEntry(zip, entry));
    // Headers end at the first blank line; the description follows.
    const head = text.split(/\r?\n\r?\n/, 1)[0];
    const m = /^Requires-Python:[ \t]*(.*?)\s*$/im.exec(head);
    return m ? m[1] : null;
  } catch {
    return undefined;
  }
}

/** A pip wheel prime considered for an interpreter, and why it was passed over. */
export interface PipRejected {
  wheel: string;
  reason: string;
}

/** Which pip wheel runs for an interpreter, and the ones passed over. */
export interface PipChoice {
  wheel: string | null;
  version: string | null;
  /** `bundled` (the interpreter's own ensurepip) or `shared` (/usr/share/python-wheels). */
  source: "bundled" | "shared" | null;
  rejected: PipRejected[];
}

/** Where an interpreter keeps its own bundled wheels (ensurepip/_bundled). */
function bundledDirs(python: PythonInfo): string[] {
  const prefix = python.realPath.replace(/\/bin\/[^/]+$/, "");
  const mm = minor(python.version);
  return [
    `${prefix}/lib/python${mm}/ensurepip/_bundled`,
    `${prefix}/lib/python${mm}t/ensurepip/_bundled`,
    `${prefix}/lib/pypy${mm}/ensurepip/_bundled`,
    `${prefix}/lib-python/3/ensurepip/_bundled`,
  ];
}

/** Debian's (and Ubuntu's) shared wheels, where their Pythons' ensurepip looks. */
const SHARED_WHEELS = "/usr/share/python-wheels";

/**
 * Chooses the pip wheel for an interpreter: its own bundled pip first (the one made
 * for it), then the host's shared wheels; within each, the newest. A wheel runs only
 * when its `Requires-Python` admits the interpreter: Debian's pip 23 on Python 3.6
 * dies on `import dataclasses`, where 3.6's own pip 18.1 works. Reads only.
 */
export function choosePipWheel(python: PythonInfo, shared: string = SHARED_WHEELS): PipChoice {
  const rejected: PipRejected[] = [];
  const groups: ["bundled" | "shared", string[]][] = [
    ["bundled", bundledDirs(python).flatMap(listPipWheels)],
    ["shared", listPipWheels(shared)],
  ];
  for (const [source, wheels] of groups) {
    for (const wheel of newestFirst(wheels)) {
      const rp = wheelRequiresPython(wheel);
      if (rp === undefined) {
        rejected.push({ wheel, reason: "cannot read its METADATA" });
        continue;
      }
      let ok: boolean;
      try {
        ok = rp === null || versionSatisfies(python.version, rp);
      } catch {
        ok = false;
      }
      if (!ok) {
        rejected.push({
          wheel,
          reason: `Requires-Python ${rp} does not admit Python ${python.version}`,
        });
        continue;
      }
      return { wheel, version: wheelVersion(wheel), source, rejected };
    }
  }
  return { wheel: null, version: null, source: null, rejected };
}

/**
 * Unpacks a pip wheel once into `<cacheDir>/pip/<wheel name>/` (built aside, then
 * renamed), so pip imports from a directory: Python caches no bytecode for imports
 * from a zip, and pip started from its wheel costs about 0.6 s more on every build.
 * Returns null (the caller runs pip from the zip) when the cache cannot be written.
 */
async function unpackPipWheel(
  wheel: string,
  python: PythonInfo,
  cacheDir: string,
  runner: BuildContext["runner"],
): Promise<string | null> {
  const name = basename(wheel).replace(/\.whl$/, "");
  const root = `${cacheDir}/pip`;
  const dest = `${root}/${name}`;
  try {
    ownCacheSubdir(root); // never run a pip another user could have planted
  } catch {
    return null;
  }
  if (isFile(`${dest}/pip/__main__.py`)) return dest;
  let tmp: string;
  try {
    tmp = Deno.makeTempDirSync({ dir: root, prefix: `.${name}-` });
  } catch {
    return null;
  }
  const r = await runner(python.path, ["-I", "-m", "zipfile", "-e", wheel, tmp], {
    timeoutMs: 120_000,
  });
  try {
    if (r.code !== 0) throw new Error(r.stderr);
    Deno.renameSync(tmp, dest);
  } catch {
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch { /* best effort */ }
    // Another prime may have renamed its copy first; use it if so.
    return isFile(`${dest}/pip/__main__.py`) ? dest : null;
  }
  return dest;
}

/**
 * Finds a pip for the base interpreter without installing anything. With a cache dir,
 * a bundled wheel is unpacked there once and run from the directory.
 */
export async function findPip(
  python: PythonInfo,
  ctx: Pick<BuildContext, "runner"> & { cacheDir?: string },
) {
  const chosen = choosePipWheel(python);
  for (const r of chosen.rejected) log.debug(`pip: passed over ${r.wheel}: ${r.reason}`);
  const wheel = chosen.wheel;
  if (wheel) {
    const dir = ctx.cacheDir ? await unpackPipWheel(wheel, python, ctx.cacheDir, ctx.runner) : null;
    const from = dir ?? wheel;
    return {
      kind: "wheel",
      version: wheelVersion(wheel),
      where: from,
      prefix: (venvPython: string) => ({ program: venvPython, args: [`${from}/pip`] }),
    } satisfies PipLauncher;
  }
  const r = await ctx.runner(python.path, ["-I", "-m", "pip", "--version"], { timeoutMs: 30_000 });
  const m = /^pip (\S+)/.exec(r.stdout);
  if (r.code === 0 && m) {
    const [major, min] = m[1].split(".").map(Number);
    if (major > 22 || (major === 22 && min >= 3)) {
      return {
        kind: "base",
        version: m[1],
        where: `${python.path} -m pip`,
        prefix: (venvPython: string) => ({
          program: python.path,
          args: ["-I", "-m", "pip", "--python", venvPython],
        }),
      } satisfies PipLauncher;
    }
  }
  return null;
}

/**
 * On a terminal: pip's progress bar off (its log lines are read instead) and, from pip
 * 23 on (where `--report` is no longer experimental), the resolved set as JSON in a temp
 * file, which prime reads when pip starts installing. Adds to `args`.
 */
function pipWatch(ctx: BuildContext, version: string, args: string[]): Watch {
  args.push("--progress-bar", "off");
  let report: string | null = null;
  const major = Number(version.split(".")[0]);
  if (major >= 23 && !args.includes("--report")) {
    report = `${Deno.makeTempDirSync({ prefix: "prime-pip-report-" })}/report.json`;
    args.push("--report", report);
  }
  const w = watchPip(ctx.venvDir, report, ctx.progress!);
  return {
    line: w.line,
    stop() {
      w.stop();
      if (report !== null) {
        try {
          Deno.removeSync(report.replace(/\/report\.json$/, ""), { recursive: true });
        } catch { /* already gone */ }
      }
    },
  };
}

/** Creates the pip driver for a given launcher. */
export function createPipDriver(pip: PipLauncher): VenvDriver {
  return {
    name: "venv_pip",
    toolVersion: `pip ${pip.version}`,
    async create(ctx) {
      const prompt = ctx.prompt ? ["--prompt", ctx.prompt] : [];
      const args = ["-I", "-m", "venv", "--without-pip", ...prompt, ctx.venvDir];
      log.trace(`$ ${ctx.python.path} ${args.join(" ")}`);
      // No supervisor (one more Python start): `venv --without-pip` downloads and
      // builds nothing, and writes only into this build's unpublished generation.
      const r = await ctx.runner(ctx.python.path, args, {
        echo: ctx.echo,
        timeoutMs: 300_000,
      });
      if (r.code !== 0) {
        throw new VenvError(`creating the venv ${ctx.venvDir} failed: venv exited ${exitText(r)}`, {
          details: tail(r),
          hint: 'check that the interpreter\'s venv module works, or try venv_driver = "venv_uv"',
        });
      }
    },
    async install(ctx) {
      if (planIsEmpty(ctx.plan)) return;
      const { program, args } = pip.prefix(venvPython(ctx.venvDir));
      const phases = installPhases(ctx.plan);
      for (const [i, phase] of phases.entries()) {
        const full = [
          ...args,
          "install",
          "--disable-pip-version-check",
          "--no-input",
          ...phase.args,
        ];
        if (ctx.offline && !full.includes("--no-index")) full.push("--no-index");
        const watch = ctx.progress ? pipWatch(ctx, pip.version, full) : null;
        log.trace(`$ ${program} ${full.join(" ")}`);
        const r = await ctx.runner(program, full, {
          echo: ctx.echo,
          cwd: ctx.cwd,
          env: { PIP_NO_INPUT: "1", ...activatedEnv(ctx.venvDir) },
          dieWithPrime: ctx.python.path,
          onLine: watch?.line,
        }).finally(() => watch?.stop());
        if (r.code !== 0) {
          const which = phaseNote(phases, i);
          throw installFailure(
            "pip",
            `pip exited ${exitText(r)}${which}`,
            `${program} ${full.join(" ")}`,
            r,
            Deno.env.toObject(),
            { offline: ctx.offline },
          );
        }
      }
    },
  };
}
