/**
 * The bundle pipeline: from a synced env to a relocatable app directory (`bin/NAME`,
 * `lib/`, `app/`, a manifest and a bootstrap) that any matching Python runs, with
 * neither prime nor a venv on the target. Built in a temp dir beside DIR and renamed
 * into place, so a failed build leaves DIR as it was.
 */
import type { PythonInfo } from "../python/types.ts";
import type { Settings, VenvDriverName } from "../config/types.ts";
import type { InstallPlan } from "../deps/plan.ts";
import type { Prepared } from "../venv/prepare.ts";
import { rel } from "../project/project.ts";
import { UsageError, VenvError } from "../core/errors.ts";
import { PRIME_VERSION } from "../core/version.ts";
import { run } from "../process.ts";
import { sha256Hex, venvPython } from "../core/paths.ts";
import {
  basename,
  dirname,
  isFile,
  isInside,
  pathExists,
  readDirOrEmpty,
  statOrNull,
} from "../core/files.ts";
import * as log from "../log.ts";
import {
  type Dist,
  isPureTag,
  readDists,
  VENV_MACHINERY,
  venvSitePackages,
} from "./site_packages.ts";
import {
  copyTree,
  emptyStats,
  listFiles,
  normalizeModes,
  type Skip,
  type TreeStats,
} from "./tree.ts";
import { launcherText } from "./launcher.ts";
import { formatBytes } from "../state/gc.ts";
import { IMPORT_PATH_VARS, isolationFlags } from "../core/program_env.ts";
import { BOOT_MODULE, bootText, STUB_PY } from "./boot_py.ts";
import { bundleName, type Entry, resolveEntry } from "./entry.ts";

/** What `prime bundle` was asked for. */
export interface BundleRequest {
  entry: string | null;
  output: string | null;
  name: string | null;
  dryRun: boolean;
  depsOnly: boolean;
}

/** The manifest's name inside a bundle. */
export const MANIFEST = "prime-bundle.json";

/**
 * How the bundle's Python is isolated: the rules of `prime SCRIPT` (the env's
 * `isolation`). The launcher runs a file (the bootstrap), so the flags are a script's:
 * `-s` (imports) or `-I` (strict); the import-path variables never reach the program.
 */
export function bundleIsolation(s: Settings) {
  const mode = s.isolation === "strict" ? "strict" as const : "imports" as const;
  return {
    mode,
    flags: isolationFlags(mode),
    removedVars: IMPORT_PATH_VARS,
    // As with `python app.py`: the script's own directory is importable, except in strict mode.
    scriptDirImportable: mode === "imports",
  };
}

/** Checks DIR before anything is built: empty, absent, or an earlier bundle. */
export function checkOutput(out: string, s: Settings): void {
  const real = realOrSelf(out);
  // A script env's venv is in the cache, and not known before the interpreter is.
  const inVenv = s.venvDir !== "" && isInside(realOrSelf(s.venvDir), real);
  if (inVenv || isInside(real, realOrSelf(s.refRoot))) {
    throw new UsageError(
      `bundle: --output ${out} overlaps ${inVenv ? "the venv" : "the ref root"}`,
      "write the bundle to its own directory, for example dist/NAME",
    );
  }
  // DIR may lie inside a python_path dir: the copy leaves DIR and its temp dir out.
  const st = statOrNull(out);
  if (st === null) return;
  if (!st.isDirectory) {
    throw new UsageError(
      `bundle: --output ${out} exists and is not a directory`,
      "pass a new or empty directory",
    );
  }
  const names = [...Deno.readDirSync(out)].map((e) => e.name);
  if (names.length > 0 && !names.includes(MANIFEST)) {
    throw new UsageError(
      `bundle: --output ${out} is not empty and holds no bundle (${MANIFEST}); refusing to replace it`,
      "pass a new or empty directory, or an earlier bundle to replace",
    );
  }
}

export function realOrSelf(p: string): string {
  try {
    return Deno.realPathSync(p);
  } catch {
    const parent = dirname(p);
    return parent === p ? p : `${realOrSelf(parent)}/${basename(p)}`;
  }
}

/** Sibling modules a script may import (`*.py`, packages), when its directory is importable. */
function scriptSiblings(script: string): string[] {
  const dir = dirname(script);
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.name.startsWith(".") || p === script) continue;
    if (e.isFile && e.name.endsWith(".py")) out.push(p);
    else if (e.isDirectory && isFile(`${p}/__init__.py`)) out.push(p);
  }
  return out.sort();
}

/** Where app code lands under `app/`: its path relative to the ref root (or its name). */
function appPath(path: string, refRoot: string): string {
  if (path === refRoot) return ".";
  const r = rel(path, refRoot);
  return r === path ? basename(path) : r;
}

/** The skip rule for app code: hidden entries, venvs, and the bundle being written. */
function appSkip(exclude: string[], refRoot: string, skipped: string[]): Skip {
  return (_rel, name, isDir, abs) => {
    if (name.startsWith(".")) return true;
    if (exclude.includes(abs)) return true;
    // A link out of the repo is not the app's code (and could be /, or /dev/zero).
    const real = realOrSelf(abs);
    if (!isInside(refRoot, real)) {
      skipped.push(`${abs} (a link out of the ref root, to ${real})`);
      return true;
    }
    return isDir && isFile(`${abs}/pyvenv.cfg`);
  };
}

/** The wheel tag of the build interpreter, for a binary distribution with no WHEEL file. */
function buildTag(py: PythonInfo): string {
  const [maj, min] = py.version.split(".");
  const short = py.implementation === "pypy" ? "pp" : "cp";
  return `${short}${maj}${min}-${short}${maj}${min}${py.freethreaded ? "t" : ""}-any`;
}

function isBinaryFile(p: string): boolean {
  return /\.(so|pyd|dylib)$/.test(p) || /\.so\./.test(p);
}

/** The tags a distribution is recorded with (its WHEEL tags, or the build's for untagged binaries). */
function distTags(d: Dist, py: PythonInfo): string[] {
  if (d.tags.length > 0) return d.tags;
  return d.files.some(isBinaryFile) ? [buildTag(py)] : ["py3-none-any"];
}

/**
 * Installs the project dirs into `target` with the env's own driver (the same
 * installer, pip settings and install_args that built the venv), non-editable and
 * without their dependencies, which lib/ already holds.
 */
async function installProjects(
  dirs: string[],
  target: string,
  ctx: {
    s: Settings;
    python: PythonInfo;
    venvDir: string;
    cache: string;
    driver: VenvDriverName;
    offline: boolean;
  },
): Promise<void> {
  const { decideDriver, makeDriver } = await import("../venv/choose_driver.ts");
  const decided = await decideDriver({
    configured: ctx.driver,
    cacheDir: ctx.cache,
    python: ctx.python,
    installArgs: ctx.s.installArgs,
    offline: ctx.offline,
    baseDir: ctx.s.refRoot,
  });
  const driver = await makeDriver(ctx.driver, decided.uv, ctx.python, ctx.cache);
  const plan: InstallPlan = {
    constraints: null,
    requirements: [],
    dependencies: dirs,
    groupRequirements: [],
    editables: [],
    installArgs: [...ctx.s.installArgs, "--target", target, "--no-deps"],
  };
  await driver.install({
    venvDir: ctx.venvDir,
    cwd: ctx.s.refRoot,
    python: ctx.python,
    plan,
    runner: run,
    cacheDir: ctx.cache,
    offline: ctx.offline,
    echo: log.getVerbosity() >= 2,
  });
}

/** Compiles the bundle's Python files (checked-hash pycs, so a copy keeps them valid). */
async function compileBytecode(
  python: string,
  version: string,
  root: string,
  dirs: string[],
): Promise<void> {
  const [maj, min] = version.split(".").map(Number);
  if (maj < 3 || (maj === 3 && min < 7)) return;
  const code = [
    "import compileall, py_compile, sys",
    "root = sys.argv[1]",
    "for d in sys.argv[2:]:",
    "    compileall.compile_dir(root + '/' + d, ddir=d, quiet=2, workers=0 if sys.version_info >= (3, 9) else 1,",
    "        invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)",
  ].join("\n");
  const r = await run(python, ["-I", "-c", code, root, ...dirs], { timeoutMs: 900_000 });
  if (r.code !== 0) {
    log.debug(`bundle: compiling bytecode failed (exit ${r.code}); it compiles on first use`);
  }
}

/** sha256 over every file's path, mode and content, __pycache__ and the manifest left out. */
async function contentHash(root: string): Promise<string> {
  const lines: string[] = [];
  for (const f of listFiles(root)) {
    if (f === MANIFEST || f.split("/").includes("__pycache__")) continue;
    const exec = ((Deno.statSync(`${root}/${f}`).mode ?? 0) & 0o111) ? "755" : "644";
    lines.push(`${f}\0${exec}\0${await sha256Hex(Deno.readFileSync(`${root}/${f}`))}`);
  }
  return `sha256:${await sha256Hex(lines.join("\n"))}`;
}

/** Files in the bundle that still name the build location (they would break once moved). */
function filesNaming(root: string, needles: string[]): string[] {
  const enc = new TextEncoder();
  const pats = needles.map((n) => enc.encode(n));
  const out: string[] = [];
  for (const f of listFiles(root)) {
    // Compiled libraries may carry their build paths in debug data, harmlessly, and
    // can be huge: what is checked is what Python and the launcher read as text.
    if (isBinaryFile(f) || (statOrNull(`${root}/${f}`)?.size ?? 0) > 16 << 20) continue;
    const data = Deno.readFileSync(`${root}/${f}`);
    if (pats.some((p) => indexOf(data, p) >= 0)) out.push(f);
  }
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0];
  outer: for (
    let i = hay.indexOf(first);
    i >= 0 && i <= hay.length - needle.length;
    i = hay.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** One line of the listing. */
interface Item {
  what: string;
  detail: string;
  bytes: number | null;
}

function printListing(title: string, items: Item[]): void {
  log.info(title);
  const w = Math.max(...items.map((i) => i.what.length), 4);
  const d = Math.max(...items.map((i) => i.detail.length), 4);
  let total = 0;
  for (const i of items) {
    total += i.bytes ?? 0;
    log.info(
      `  ${i.what.padEnd(w)}  ${i.detail.padEnd(d)}  ${
        i.bytes === null ? "(built at bundle time)" : formatBytes(i.bytes)
      }`,
    );
  }
  log.info(`  ${"total".padEnd(w)}  ${"".padEnd(d)}  ${formatBytes(total)}`);
}

/** What buildBundle works from: the synced env, and what the command checked first. */
export interface BundleContext {
  prepared: Prepared;
  /** The entry as classified before the sync (console scripts resolved here). */
  entry: Entry | { kind: "console"; name: string } | null;
  /** The output directory, resolved and checked (null: only a dry run may go on). */
  out: string | null;
  iso: ReturnType<typeof bundleIsolation>;
  cache: string;
  offline: boolean;
}

/**
 * Assembles the bundle from the synced env in a temp dir beside DIR and renames it into
 * place, so a failed build leaves DIR as it was. Prints the listing for -v and --dry-run.
 */
export async function buildBundle(req: BundleRequest, ctx: BundleContext): Promise<number> {
  const { prepared, entry, out, iso } = ctx;
  const s = prepared.settings;
  const python = prepared.python;
  const venv = s.venvDir;
  const sites = venvSitePackages(venv);
  if (sites.length === 0) throw new VenvError(`bundle: no site-packages in ${venv}`);
  const dists = sites.flatMap(readDists);
  const resolved = resolveEntry(entry, dists);
  const name = bundleName(req.name, req.entry, resolved);

  // What lib/ takes from site-packages: everything but venv machinery and editable
  // installs (those point into the repo; the projects are installed again, for real).
  const editable = dists.filter((d) => d.editable);
  const editableFiles = new Set(editable.flatMap((d) => d.files));
  const editableInfos = new Set(editable.map((d) => d.distInfo));
  const siteSkip: Skip = (r, n) =>
    (!r.includes("/") &&
      (VENV_MACHINERY.has(n) || editableInfos.has(n) || n.endsWith(".egg-link"))) ||
    editableFiles.has(r);
  const projectDirs = req.depsOnly ? [] : s.projectDirs;
  const kept = dists.filter((d) => !d.editable);

  const appSources: Array<{ src: string; dest: string; what: string }> = [];
  if (!req.depsOnly) {
    for (const d of s.pythonPath) {
      appSources.push({ src: d, dest: appPath(d, s.refRoot), what: "python_path" });
    }
    if (resolved?.kind === "script") {
      const files = [
        resolved.file,
        ...(iso.scriptDirImportable ? scriptSiblings(resolved.file) : []),
      ];
      for (const f of files) {
        appSources.push({
          src: f,
          dest: appPath(f, s.refRoot),
          what: f === resolved.file ? "entry script" : "beside the script",
        });
      }
    }
  }

  // The listing (-v, --dry-run): sizes are measured only when it is shown.
  if (req.dryRun || log.getVerbosity() >= 1) {
    const items: Item[] = [];
    for (const d of kept) {
      const bytes = d.files.filter((f) => !f.split("/").includes("__pycache__"))
        .reduce((n, f) => n + sizeOf(`${d.site}/${f}`), 0);
      const tags = distTags(d, python);
      items.push({
        what: `${d.name} ${d.version}`,
        detail: tags.every(isPureTag) ? "pure" : tags[0],
        bytes,
      });
    }
    for (const d of projectDirs) {
      items.push({
        what: `project ${d === s.refRoot ? "." : rel(d, s.refRoot)}`,
        detail: "non-editable",
        bytes: null,
      });
    }
    for (const a of appSources) {
      const st = emptyStats();
      copyTree(a.src, null, appSkip(out ? [out] : [], s.refRoot, []), st);
      items.push({ what: `app/${a.dest}`, detail: a.what, bytes: st.bytes });
    }
    printListing(`bundle contents (lib/ from ${rel(venv, s.refRoot)}):`, items);
  }
  if (req.dryRun) return 0;
  if (out === null) {
    throw new UsageError(
      "bundle: --output DIR is required",
      "for example: prime bundle app.py --output dist/app",
    );
  }

  if (s.vars && Object.keys(s.vars).length || s.varsFiles.length) {
    log.info(
      "prime: note: vars and vars_files are not carried into a bundle; set them where it runs",
    );
  }

  const parent = dirname(out);
  Deno.mkdirSync(parent, { recursive: true });
  const tmp = Deno.makeTempDirSync({ dir: parent, prefix: `.${basename(out)}.prime-bundle-` });
  const stats: TreeStats = emptyStats();
  try {
    Deno.chmodSync(tmp, 0o755);
    const lib = `${tmp}/lib`;
    Deno.mkdirSync(lib, { mode: 0o755 });
    for (const sp of sites) copyTree(sp, lib, siteSkip, stats);
    if (projectDirs.length > 0) {
      const staged = `${tmp}/.projects`;
      await installProjects(projectDirs, staged, {
        s,
        python,
        venvDir: venv,
        cache: ctx.cache,
        driver: prepared.inputs.driverName,
        offline: ctx.offline,
      });
      copyTree(staged, lib, (r) => r === "bin", stats);
      Deno.removeSync(staged, { recursive: true });
    }
    const skipApp = appSkip([out, tmp], s.refRoot, stats.skipped);
    for (const a of appSources) copyTree(a.src, `${tmp}/app/${a.dest}`, skipApp, stats);
    if (s.pythonPath.length > 0 && !req.depsOnly) {
      const lines = s.pythonPath.map((d) => `../app/${appPath(d, s.refRoot)}`);
      Deno.writeTextFileSync(`${lib}/_prime_python_path.pth`, lines.join("\n") + "\n", {
        mode: 0o644,
      });
    }
    dropLocalDirectUrls(lib);
    const finalDists = readDists(lib);
    const recorded = finalDists.map((d) => ({
      name: d.name,
      version: d.version,
      tags: distTags(d, python),
    }));
    const binary = recorded.filter((d) => !d.tags.every(isPureTag));
    if (resolved?.kind === "function") warnIfMissing(resolved.module, lib, `${tmp}/app`);

    const requires = s.required.requests.map((r) => ({
      raw: r.raw,
      specifier: r.specifier,
      implementation: r.implementation,
      freethreaded: r.freethreaded,
    }));
    const manifest: Record<string, unknown> = {
      format: 1,
      name: req.depsOnly ? null : name,
      prime_version: PRIME_VERSION,
      entry: resolved === null ? null : resolved.kind === "script"
        ? {
          kind: "script",
          path: `app/${appPath(resolved.file, s.refRoot)}`,
          source: appPath(resolved.file, s.refRoot),
        }
        : {
          kind: "function",
          module: resolved.module,
          function: resolved.function,
          source: resolved.source,
        },
      isolation: iso.mode,
      env: s.env,
      python: {
        requires,
        requires_text: s.required.value,
        // Where it came from, relative to the ref root (the bundle names no build path).
        requires_source: s.required.source.startsWith("/")
          ? appPath(s.required.source, s.refRoot)
          : s.required.source.replaceAll(`${s.refRoot}/`, ""),
        built_with: {
          implementation: python.implementation,
          version: python.version,
          freethreaded: python.freethreaded,
        },
      },
      pure: binary.length === 0,
      binary,
      distributions: recorded,
    };
    if (!req.depsOnly) {
      Deno.writeTextFileSync(`${tmp}/prime-bundle.py`, STUB_PY, { mode: 0o644 });
      Deno.mkdirSync(`${tmp}/${dirname(BOOT_MODULE)}`, { mode: 0o755 });
      Deno.writeTextFileSync(`${tmp}/${BOOT_MODULE}`, bootText(manifest), { mode: 0o644 });
      Deno.mkdirSync(`${tmp}/bin`, { mode: 0o755 });
      const [maj, min] = python.version.split(".");
      const needs = `Python ${s.required.value ?? "3"}${
        binary.length
          ? ` (ABI ${
            [...new Set(binary.flatMap((b) => b.tags.map((t) => t.split("-")[1])))].join(" or ")
          })`
          : ""
      }`;
      Deno.writeTextFileSync(
        `${tmp}/bin/${name}`,
        launcherText({
          name: name!,
          minor: `${maj}.${min}`,
          flags: iso.flags,
          removedVars: iso.removedVars,
          needs,
          primeVersion: PRIME_VERSION,
        }),
        { mode: 0o755 },
      );
      Deno.chmodSync(`${tmp}/bin/${name}`, 0o755);
    }
    await compileBytecode(
      venvPython(venv),
      python.version,
      tmp,
      req.depsOnly
        ? ["lib"]
        : ["lib", "app", "prime-bundle"].filter((d) => pathExists(`${tmp}/${d}`)),
    );
    normalizeModes(tmp);
    manifest.content_hash = await contentHash(tmp);
    Deno.writeTextFileSync(`${tmp}/${MANIFEST}`, JSON.stringify(manifest, null, 2) + "\n");
    Deno.chmodSync(`${tmp}/${MANIFEST}`, 0o644);

    const leaks = filesNaming(tmp, [s.refRoot, venv, tmp]);
    if (leaks.length) {
      log.warn(
        `bundle: ${leaks.length} file(s) still name the build location and may break once moved: ${
          leaks.slice(0, 5).join(", ")
        }`,
      );
    }
    for (const sk of stats.skipped) log.warn(`bundle: skipped ${sk}`);
    swapInto(tmp, out);
  } catch (e) {
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch { /* best effort */ }
    throw e;
  }
  const what = req.depsOnly ? "lib/" : `bin/${name}`;
  log.info(
    `prime: bundle ${rel(out, s.refRoot)} written (${what}, ${
      kept.length + projectDirs.length
    } distributions, ${formatBytes(stats.bytes)}): Python ${
      s.required.value ?? "3"
    }, built with ${python.version}`,
  );
  return 0;
}

/**
 * Removes `direct_url.json` files that name a local path (PEP 610: where a distribution
 * was installed from): on the target that path means nothing, and it names the build
 * machine. RECORD is left as it is.
 */
function dropLocalDirectUrls(lib: string): void {
  for (const e of Deno.readDirSync(lib)) {
    if (!e.isDirectory || !e.name.endsWith(".dist-info")) continue;
    const p = `${lib}/${e.name}/direct_url.json`;
    try {
      const url = JSON.parse(Deno.readTextFileSync(p))?.url;
      if (typeof url === "string" && url.startsWith("file:")) Deno.removeSync(p);
    } catch { /* none, or not JSON */ }
  }
}

function sizeOf(path: string): number {
  return statOrNull(path)?.size ?? 0;
}

function warnIfMissing(module: string, lib: string, app: string): void {
  const top = module.split(".")[0];
  const here = (dir: string) =>
    readDirOrEmpty(dir).some((e) =>
      e.name === top || e.name === `${top}.py` || e.name.startsWith(`${top}.`)
    );
  const appDirs: string[] = [];
  try {
    const walk = (d: string, depth: number) => {
      appDirs.push(d);
      if (depth < 4) {
        for (const e of Deno.readDirSync(d)) if (e.isDirectory) walk(`${d}/${e.name}`, depth + 1);
      }
    };
    walk(app, 0);
  } catch { /* no app dir */ }
  if (![lib, ...appDirs].some(here)) {
    log.warn(
      `bundle: module ${top} is not in lib/ or app/; the entry will fail to import unless a .pth provides it`,
    );
  }
}

/** Puts the built tree at `out`: over nothing, an empty dir, or an earlier bundle. */
function swapInto(tmp: string, out: string): void {
  let old: string | null = null;
  try {
    const names = [...Deno.readDirSync(out)].map((e) => e.name);
    if (names.length > 0) {
      old = `${tmp}.old`;
      Deno.renameSync(out, old);
    } else Deno.removeSync(out);
  } catch { /* absent */ }
  try {
    Deno.renameSync(tmp, out);
  } catch (e) {
    if (old) Deno.renameSync(old, out);
    throw e;
  }
  if (old) Deno.removeSync(old, { recursive: true });
}
