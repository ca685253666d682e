/**
 * The pip an interpreter brings, found without installing anything: its own bundled pip
 * wheel (ensurepip/_bundled), else Debian's /usr/share/python-wheels, the first whose
 * Requires-Python admits the interpreter, unpacked once into the cache; else its
 * installed pip. The pip driver (installers/pip.ts) and the uv bootstrap run it.
 */
import type { PythonInfo } from "./types.ts";
import type { Runner } from "../process.ts";
import { listZipEntries, readZipEntry } from "../pypa/wheel.ts";
import { compareVersions, versionSatisfies } from "../pypa/specifier.ts";
import * as log from "../log.ts";
import { ownCacheSubdir } from "../core/paths.ts";
import { basename, isFile } from "../core/files.ts";

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
  runner: Runner,
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
  ctx: { runner: Runner; cacheDir?: string },
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
