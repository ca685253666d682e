/**
 * What a venv is built from: the inputs and fingerprint computed on the cold path, and
 * the freshness check that compares them with the venv's stamp. Reads only.
 */
import type { Settings, VenvDriverName } from "../config/types.ts";
import type { PythonInfo } from "../python/types.ts";
import type { InstallPlan } from "../deps/plan.ts";
import type { Stamp, StampInput, StampPython } from "../core/stamp.ts";
import { expandGlobs, isGlob } from "../core/glob.ts";
import {
  hashInputs,
  inputChange,
  siteChange,
  statInputs,
  UNSETTLED_MTIME,
  venvPythonExists,
} from "../core/stamp.ts";
import { fingerprint } from "../state/fingerprint.ts";
import { readBoundedText, stampPath } from "../core/paths.ts";
import { collectRequirementFiles, installArgsRefs, localProjectDirs } from "../deps/plan.ts";
import { PRIME_VERSION } from "../core/version.ts";
import { ConfigError, errorMessage } from "../core/errors.ts";
import { basename, dirname, isUnsettled, pathExists } from "../core/files.ts";
import { isOldLink, liveDir } from "../core/generation.ts";
import { NOT_OURS, otherUsersBuild, vouchedStamp, writeRecord } from "../core/record.ts";
import * as log from "../log.ts";
/** What a venv is built from, computed on the cold path. */
export interface EnvInputs {
  venvDir: string;
  driverName: VenvDriverName;
  python: PythonInfo;
  plan: InstallPlan;
  pythonPath: string[];
  inputs: StampInput[];
  fingerprint: string;
  run: Stamp["run"];
  inputGlobs?: Stamp["inputGlobs"];
  inputStats?: Stamp["inputStats"];
  /** The files the `inputs` globs matched when they were hashed. */
  globbed?: string[];
}

/** Whether a venv is fresh, and why not. */
export interface Freshness {
  fresh: boolean;
  reason: string;
  stamp: Stamp | null;
  /** The directory the cache vouched for (the recorded build `stamp` is of). */
  dir?: string;
  /** Set when the fresh build is another user's (a shared checkout): its directory. */
  byOtherUser?: string;
}

/** The stamp's identity of an interpreter. */
export function pythonIdentity(p: PythonInfo): StampPython {
  return {
    realPath: p.realPath,
    mtimeMs: p.mtimeMs,
    size: p.size,
    version: p.version,
    implementation: p.implementation,
  };
}

/** Files that define an editable project's build. */
function projectFiles(dir: string): string[] {
  return [`${dir}/pyproject.toml`, `${dir}/setup.py`, `${dir}/setup.cfg`];
}

/** Computes the inputs and fingerprint of the venv that `settings` describe. */
export async function computeEnvInputs(
  settings: Settings,
  python: PythonInfo,
  driverName: VenvDriverName,
  plan: InstallPlan,
  runRefRoot: string | null = settings.refRoot,
): Promise<EnvInputs> {
  // Everything settings resolution and the lock lookup read or looked for is in the
  // recorder already (core/recorder.ts); what is read from here on goes there too, and
  // the inputs are exactly what it saw. A missing one hashes to null and must stay so.
  const rec = settings.recorder;
  const reqRoots = [...settings.requirements];
  if (settings.constraintsFile) reqRoots.push(settings.constraintsFile);
  // `install_args = ["-r", "extra.txt"]` is read by the installer (run in the ref root)
  // exactly as a configured requirements file is: an input like it.
  reqRoots.push(...installArgsRefs(settings.installArgs, settings.refRoot).files);
  const reqFiles = await collectRequirementFiles(reqRoots, rec);
  const localDirs: string[] = [];
  for (const f of reqFiles) {
    try {
      localDirs.push(...localProjectDirs(readBoundedText(f), f));
    } catch { /* read again (and reported) by the installer */ }
  }
  // The installer reads a project dir's build files (and one appearing changes the build).
  for (const dir of [...settings.projectDirs, ...localDirs]) rec.saw(...projectFiles(dir));
  // Declared inputs: every file the globs match now (a new match later makes it stale).
  const inputGlobs = settings.inputs ? { root: settings.refRoot, patterns: settings.inputs } : null;
  const globbed = inputGlobs ? expandGlobs(inputGlobs.root, inputGlobs.patterns) : [];
  rec.saw(...globbed);
  // A literal path (no wildcard) is an input even while missing: its appearing counts.
  for (const g of inputGlobs?.patterns ?? []) {
    if (!isGlob(g)) rec.saw(`${settings.refRoot}/${g.replace(/^\.\/+/, "")}`);
  }
  const paths = [...new Set(rec.list())];
  // Stat before hashing, so an edit during the hash shows as a changed stat later.
  const missing = missingInputs(paths);
  const present = paths.filter((p) => !missing.has(p));
  const inputStats = statInputs(present);
  const hashed = new Map((await hashInputsOrExplain(present)).map((i) => [i.path, i.sha256]));
  const inputs = paths.map((path) => ({ path, sha256: hashed.get(path) ?? null }));
  const runInfo: Stamp["run"] = {
    refRoot: runRefRoot,
    env: settings.env,
    vars: settings.vars,
    varsFiles: settings.varsFiles,
    // Absent for the default, so stamps (and fingerprints) of default envs are unchanged.
    ...(settings.isolation === "strict" ? { isolation: "strict" as const } : {}),
  };
  const fp = await fingerprint({
    prime: PRIME_VERSION,
    env: settings.env,
    driver: driverName,
    settings: {
      venvDir: settings.venvDir,
      plan,
      pythonPath: settings.pythonPath,
      run: runInfo,
      // Absent unless declared, so fingerprints of envs without inputs are unchanged.
      ...(inputGlobs ? { inputGlobs } : {}),
    },
    inputs,
    python: pythonIdentity(python),
  });
  return {
    venvDir: settings.venvDir,
    driverName,
    python,
    plan,
    pythonPath: settings.pythonPath,
    inputs,
    fingerprint: fp,
    run: runInfo,
    inputStats,
    ...(inputGlobs ? { inputGlobs, globbed } : {}),
  };
}

/**
 * The inputs that are not there (they hash to null), each found by one synchronous
 * stat: most inputs of an env are files whose appearance counts (`.python-version`
 * and the choice files up the tree, a lock not written), and reading each, or an
 * asynchronous stat, cost an exception and a round trip more (about 3 ms of `prime
 * info` with 27 inputs). An input that is a directory is bad user input, never an
 * internal error.
 * @throws ConfigError naming an input that is there but is not a regular file.
 */
function missingInputs(paths: string[]): Set<string> {
  const missing = new Set<string>();
  for (const p of paths) {
    let st: Deno.FileInfo;
    try {
      st = Deno.statSync(p);
    } catch (e) {
      // Anything else (permission denied) is left to the hash, which says why.
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        missing.add(p);
      }
      continue;
    }
    if (!st.isFile) {
      throw new ConfigError(
        `${p}: not a regular file`,
        "prime reads it as an input of the venv; replace it with a file, or remove it",
      );
    }
  }
  return missing;
}

/** hashInputs, with a failure turned into a ConfigError naming the file (unreadable, chmod 000). */
async function hashInputsOrExplain(paths: string[]): Promise<StampInput[]> {
  try {
    return await hashInputs(paths);
  } catch (e) {
    throw new ConfigError(
      `cannot read an input of the venv: ${errorMessage(e)}`,
      "make the file readable, or remove it",
    );
  }
}

/**
 * The venv's stamp as the user's cache records it, or null and why not: missing, "not
 * built by prime here" (a stamp file the cache does not vouch for), or incomplete.
 */
export function recordedStamp(
  cache: string,
  venvDir: string,
): { stamp: Stamp | null; reason: string; dir?: string } {
  const v = vouchedStamp(cache, venvDir);
  if (v.stamp !== null) return { stamp: v.stamp, reason: "recorded", dir: v.dir };
  const reason = v.why !== NOT_OURS
    ? v.why
    : pathExists(stampPath(liveDir(venvDir)))
    ? NOT_OURS
    : "no valid stamp (incomplete or not made by prime)";
  return { stamp: null, reason };
}

/**
 * Compares the venv's stamp, as the user's cache records it (core/record.ts), with the
 * inputs. A stamp file the cache does not vouch for counts for nothing. Reads only.
 * `recorded`: recordedStamp() of the venv, when the caller has just read it.
 */
export function checkFreshness(
  inputs: EnvInputs,
  cache: string,
  recorded = recordedStamp(cache, inputs.venvDir),
): Freshness {
  let stamp = recorded.stamp;
  if (stamp === null) {
    // A shared checkout's owner's build (see otherUsersBuild): theirs, like the code.
    const other = otherUsersBuild(inputs.venvDir);
    if (other === null || other.stamp.fingerprint !== inputs.fingerprint) {
      return { fresh: false, reason: recorded.reason, stamp: null };
    }
    stamp = other.stamp;
    if (!venvPythonExists(inputs.venvDir)) {
      return { fresh: false, reason: "the venv's python is missing", stamp: null };
    }
    return { fresh: true, reason: "fresh", stamp, byOtherUser: other.dir };
  }
  if (!venvPythonExists(inputs.venvDir)) {
    return { fresh: false, reason: "the venv's python is missing", stamp };
  }
  if (stamp.fingerprint !== inputs.fingerprint) {
    return { fresh: false, reason: describeChange(stamp, inputs), stamp };
  }
  // The same inputs, but another tool (uv sync --no-dev, pip) changed the packages.
  const site = siteChange(stamp.site);
  if (site !== null) return { fresh: false, reason: site, stamp };
  if (isOldLink(inputs.venvDir)) {
    // Its scripts and activate name the generation: rebuilt as a venv dir (layout.ts).
    const name = basename(inputs.venvDir);
    return { fresh: false, reason: `${name} is a link made by an older prime`, stamp };
  }
  return { fresh: true, reason: "fresh", stamp, dir: recorded.dir };
}

/**
 * Whether the env is fresh (checkFreshness); a fresh build another user made of a
 * shared checkout is recorded in this user's cache on the way, so that the next start
 * takes the warm path. Best effort: a read-only cache only costs speed.
 */
export async function isFresh(inputs: EnvInputs, cache: string): Promise<boolean> {
  const f = checkFreshness(inputs, cache);
  if (f.fresh && f.byOtherUser && f.stamp) {
    try {
      await writeRecord(cache, inputs.venvDir, f.byOtherUser, f.stamp, JSON.stringify(f.stamp));
    } catch { /* not recorded: the next start checks it cold again */ }
  } else if (f.fresh && f.stamp && f.dir) {
    await restat(inputs, cache, f.stamp, f.dir);
  }
  return f.fresh;
}

/**
 * Records again the stats of a fresh build's inputs whose stat moved while their
 * content did not (touched, a branch switched and back, `git stash` and pop) or that
 * the build could not vouch for (changed within isUnsettled's window): the warm path
 * hashes each such file on every start, and nothing else records it until the next
 * build. The stats are computeEnvInputs()'s, taken before it hashed the files, and the
 * hashes are the recorded ones (the env is fresh), so a later edit still moves a stat.
 * Written for the build checkFreshness() found vouched for (`recorded`, of `dir`), by
 * its own directory (a build that replaced it since keeps its own record): the record
 * is not read a second time. Best effort: a read-only cache only costs the hashing.
 */
async function restat(
  inputs: EnvInputs,
  cache: string,
  recorded: Stamp,
  dir: string,
): Promise<void> {
  const now = inputs.inputStats;
  if (!now || recorded.fingerprint !== inputs.fingerprint) return;
  const was = recorded.inputStats ?? {};
  const same = (a: number[] | undefined, b: number[]) =>
    a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
  if (Object.entries(now).every(([p, st]) => same(was[p], st))) return;
  const stamp: Stamp = { ...recorded, inputStats: { ...was, ...now } };
  try {
    await writeRecord(cache, inputs.venvDir, dir, stamp, JSON.stringify(stamp));
    log.debug(`prime: the stats of ${inputs.venvDir}'s unchanged inputs recorded again`);
  } catch { /* not recorded: the warm path keeps hashing them */ }
}

function describeChange(stamp: Stamp, inputs: EnvInputs): string {
  if (stamp.prime !== PRIME_VERSION) return `built by prime ${stamp.prime}`;
  if (stamp.driver !== inputs.driverName) {
    return `built by ${stamp.driver}, now ${inputs.driverName}`;
  }
  const p = stamp.python;
  const q = inputs.python;
  if (p.realPath !== q.realPath || p.version !== q.version) {
    return `interpreter changed: ${p.version} ${p.realPath} -> ${q.version} ${q.realPath}`;
  }
  if (p.mtimeMs !== q.mtimeMs || p.size !== q.size) return `interpreter ${q.realPath} was modified`;
  return inputChange(stamp.inputs, inputs.inputs) ?? "configuration changed";
}

/**
 * The inputs globs with the mtimes of the directories they walk, taken now (after the
 * install) and kept only if the globs still match exactly the files that were hashed:
 * then a later change to the set of matches must change one of those mtimes. Globs
 * that walk the venv's parent (`**` from the ref root) get none: switching the new
 * build in changes that directory, and the warm path lists them every time.
 */
export function withDirSnapshot(inputs: EnvInputs): Stamp["inputGlobs"] {
  const g = inputs.inputGlobs!;
  const dirs: Record<string, number> = {};
  const taken = Date.now();
  const now = expandGlobs(g.root, g.patterns, dirs);
  // A directory changed in the last clock ticks may gain an entry in the same tick and
  // keep its mtime (see isUnsettled): recorded as unsettled, the warm path lists it again.
  for (const [d, mtime] of Object.entries(dirs)) {
    if (mtime !== -1 && isUnsettled(mtime, taken)) dirs[d] = UNSETTLED_MTIME;
  }
  const hashed = new Set(inputs.inputs.map((i) => i.path));
  const matched = new Set(now);
  const same = now.every((f) => hashed.has(f)) &&
    (inputs.globbed ?? []).every((f) => matched.has(f));
  // The venv's own directory changes when the new build is switched in, after this.
  const walksVenvParent = Object.hasOwn(dirs, dirname(inputs.venvDir));
  return same && !walksVenvParent ? { ...g, dirs } : g;
}
