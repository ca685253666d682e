/** The install plan: what goes into a venv, in the install order (docs/how-it-works.md). */
import type { DepsSelection, Settings } from "../config/types.ts";
import { ConfigError, errorMessage } from "../core/errors.ts";
import { parseToml } from "../config/toml.ts";
import { dirname, normalizePath } from "../core/files.ts";
import { readBoundedText } from "../core/paths.ts";

/** A lock file that decides the project's versions (see src/deps/locks.ts). */
export interface LockInPlan {
  kind: "uv.lock" | "pylock.toml" | "poetry.lock";
  path: string;
  /** The dependency groups taken from the lock. */
  groups: string[];
  /** The root project's extras taken from the lock (absent: none). */
  extras?: string[];
  /** `--only-group`: the groups alone, not the project's dependencies. */
  onlyGroups?: boolean;
  /** A uv workspace whose members the env holds: the lock's pins for all of them. */
  allPackages?: boolean;
}

/** What to install, in the install order (docs/how-it-works.md). Paths are absolute. */
export interface InstallPlan {
  constraints: string | null;
  requirements: string[];
  dependencies: string[];
  groupRequirements: string[];
  editables: string[];
  installArgs: string[];
  /**
   * The requirement files (of `requirements`) that pin `--hash`es, themselves or
   * through a nested -r. pip's hash-checking mode then rejects anything unhashed in
   * the same call, so they are installed in a call of their own. Set by refinePlan().
   */
  hashedRequirements?: string[];
  /**
   * With `--no-build-isolation` in installArgs: the editables' `[build-system].requires`,
   * installed before the editables, which are then built in the venv. Set by refinePlan().
   */
  buildRequirements?: string[];
  /**
   * The requirements file a lock became (of `requirements`): a whole resolution, so it
   * is installed first in a call of its own with `--no-deps`, as `uv sync` installs
   * exactly the lock. Set by materializeLock().
   */
  lockRequirements?: string;
  /**
   * The lock in force: it replaces `[project].dependencies` and the groups, and becomes
   * a requirements file of pins (installed first) when the build runs.
   */
  lock?: LockInPlan;
}

/**
 * The uv arguments that ask `uv sync` or `uv export` for exactly this selection
 * (uv's own defaults switched off: prime has applied them). Pure.
 */
export function uvSelectionArgs(sel: DepsSelection): string[] {
  if (!sel.project) return sel.groups.flatMap((g) => ["--only-group", g]);
  return [
    "--no-default-groups",
    ...sel.groups.flatMap((g) => ["--group", g]),
    ...sel.extras.flatMap((e) => ["--extra", e]),
  ];
}

/** Builds the plan from resolved settings. Pure. */
export function buildInstallPlan(s: Settings): InstallPlan {
  return {
    constraints: s.constraintsFile,
    requirements: [...s.requirements],
    dependencies: [...s.dependencies],
    groupRequirements: [...s.groupRequirements],
    editables: s.projectDirs.map((d) => d + (s.projectExtras?.[d] ?? "")),
    installArgs: [...s.installArgs],
  };
}

/**
 * Whether the plan installs anything at all: `install_args` can name requirements too
 * (`-r extra.txt`, `-e ./lib`, a package), and then pip or uv must run.
 */
export function planIsEmpty(p: InstallPlan): boolean {
  return p.requirements.length === 0 && p.dependencies.length === 0 &&
    p.groupRequirements.length === 0 && p.editables.length === 0 &&
    !installArgsRefs(p.installArgs, "/").installs;
}

/** pip install's options that take a value (a value is never a package). */
const VALUE_OPTIONS = new Set([
  "-r",
  "--requirement",
  "-c",
  "--constraint",
  "-e",
  "--editable",
  "-i",
  "--index-url",
  "--extra-index-url",
  "-f",
  "--find-links",
  "-t",
  "--target",
  "--platform",
  "--python-version",
  "--implementation",
  "--abi",
  "--root",
  "--prefix",
  "--src",
  "--upgrade-strategy",
  "--progress-bar",
  "--log",
  "--log-file",
  "--cache-dir",
  "--cert",
  "--client-cert",
  "--trusted-host",
  "--timeout",
  "--retries",
  "--proxy",
  "--exists-action",
  "--global-option",
  "-C",
  "--config-settings",
  "--report",
  "--no-binary",
  "--only-binary",
  "--python",
  "--keyring-provider",
  "--use-feature",
  "--use-deprecated",
  "--root-user-action",
  "--resume-retries",
  "--group",
]);

/**
 * What `install_args` names besides options, read as pip reads them: the requirement
 * (`-r f`, `-rf`, `--requirement f`, `--requirement=f`) and constraint files, resolved
 * against `cwd` (where the installer runs), and whether it installs anything itself
 * (`-r`, `-e`, a package). Pure.
 */
export function installArgsRefs(
  args: string[],
  cwd: string,
): { files: string[]; installs: boolean } {
  const files: string[] = [];
  let installs = false;
  const file = (f: string) => files.push(f.startsWith("/") ? f : normalizePath(`${cwd}/${f}`));
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const long = /^(--[a-z-]+)=(.*)$/.exec(a);
    const short = /^(-[rce])(.+)$/.exec(a);
    const [opt, inline] = long ? [long[1], long[2]] : short ? [short[1], short[2]] : [a, null];
    if (!opt.startsWith("-")) {
      installs = true; // a package
      continue;
    }
    if (!VALUE_OPTIONS.has(opt)) continue;
    const value = inline ?? args[++i];
    if (value === undefined) break;
    if (opt === "-r" || opt === "--requirement") {
      installs = true;
      if (!/^[a-z]+:\/\//i.test(value)) file(value);
    } else if (opt === "-c" || opt === "--constraint") {
      if (!/^[a-z]+:\/\//i.test(value)) file(value);
    } else if (opt === "-e" || opt === "--editable") installs = true;
  }
  return { files, installs };
}

/** The installer arguments for a plan (shared by pip and uv: both read pip's syntax). */
export function installerArgs(p: InstallPlan): string[] {
  const args: string[] = [];
  if (p.constraints) args.push("-c", p.constraints);
  for (const r of p.requirements) args.push("-r", r);
  args.push(...p.dependencies, ...p.groupRequirements);
  for (const e of p.editables) args.push("-e", e);
  args.push(...p.installArgs);
  return args;
}

/** One installer call of a phased install. */
export interface InstallPhase {
  /** For messages: what this call installs. */
  label: string;
  args: string[];
}

/** Whether the install arguments turn build isolation off. */
function noBuildIsolation(installArgs: string[]): boolean {
  return installArgs.includes("--no-build-isolation");
}

/**
 * The installer calls for a plan, in order. One call, unless the plan needs more
 * (every extra pip call costs about 0.8 s, its start-up and index scan):
 *   1. a lock's pins alone, with `--no-deps`: the lock is a whole resolution, and a
 *      locked package may depend on the project itself (pytest on pluggy, in pluggy's
 *      own lock), which the lock leaves to the editable call;
 *   2. hash-pinned requirement files alone, since pip's hash-checking mode refuses
 *      anything without a ==pin and a --hash in the same call;
 *   3. the other requirement files, `dependencies`, groups, and (with
 *      --no-build-isolation) the editables' build requirements;
 *   4. the editable projects, built in the venv that now holds their build tools.
 * Constraints and install_args apply to every call. Pure.
 */
export function installPhases(p: InstallPlan): InstallPhase[] {
  const lock = p.lockRequirements !== undefined && p.requirements.includes(p.lockRequirements)
    ? p.lockRequirements
    : null;
  const hashed = (p.hashedRequirements ?? []).filter((f) =>
    p.requirements.includes(f) && f !== lock
  );
  const build = p.buildRequirements ?? [];
  const splitEditables = p.editables.length > 0 &&
    (hashed.length > 0 || (noBuildIsolation(p.installArgs) && build.length > 0));
  if (lock === null && hashed.length === 0 && !splitEditables) {
    return [{ label: "everything", args: installerArgs(p) }];
  }
  const empty: InstallPlan = {
    ...p,
    requirements: [],
    dependencies: [],
    groupRequirements: [],
    editables: [],
  };
  const phases: InstallPhase[] = [];
  if (lock !== null) {
    phases.push({
      label: "locked pins",
      args: [...installerArgs({ ...empty, requirements: [lock] }), "--no-deps"],
    });
  }
  if (hashed.length > 0) {
    phases.push({
      label: "hash-pinned requirements",
      args: installerArgs({ ...empty, requirements: hashed }),
    });
  }
  const middle: InstallPlan = {
    ...empty,
    requirements: p.requirements.filter((f) => !hashed.includes(f) && f !== lock),
    dependencies: [...p.dependencies, ...build.filter((b) => !p.dependencies.includes(b))],
    groupRequirements: p.groupRequirements,
    editables: splitEditables ? [] : p.editables,
  };
  if (!planIsEmpty(middle)) {
    phases.push({
      label: build.length > 0 && splitEditables
        ? "dependencies and build requirements"
        : planIsEmpty({ ...middle, editables: [] })
        ? "editable projects"
        : "dependencies",
      args: installerArgs(middle),
    });
  }
  if (splitEditables) {
    phases.push({
      label: "editable projects",
      args: installerArgs({ ...empty, editables: p.editables }),
    });
  }
  return phases;
}

/** How an installer failure names its call when a plan takes several (empty for one). */
export function phaseNote(phases: InstallPhase[], i: number): string {
  return phases.length > 1 ? ` (call ${i + 1} of ${phases.length}: ${phases[i].label})` : "";
}

/** Whether a requirements file's text pins hashes (`--hash=sha256:...`). Pure. */
export function pinsHashes(text: string): boolean {
  for (const raw of text.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "");
    if (/(^|\s)--hash(=|\s)/.test(line)) return true;
  }
  return false;
}

/**
 * PEP 518's build requirements of a project dir: `[build-system].requires` of its
 * pyproject.toml, or setuptools when there is none (what pip assumes for setup.py).
 * @throws ConfigError for a pyproject.toml that is not valid TOML.
 */
export function buildRequires(dir: string): string[] {
  let text: string;
  try {
    text = readBoundedText(`${dir}/pyproject.toml`);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return ["setuptools>=40.8.0"];
  }
  const doc = parseToml(text, `${dir}/pyproject.toml`);
  const bs = doc["build-system"];
  if (bs === null || typeof bs !== "object" || Array.isArray(bs)) return ["setuptools>=40.8.0"];
  const req = (bs as Record<string, unknown>).requires;
  if (!Array.isArray(req)) return ["setuptools>=40.8.0"];
  return req.filter((r): r is string => typeof r === "string");
}

/**
 * Fills in what phasing needs from the files: which requirement files pin hashes,
 * and (with --no-build-isolation) the editables' build requirements. Cold path only.
 * @throws ConfigError for a missing nested requirements file or a bad pyproject.toml.
 */
export async function refinePlan(p: InstallPlan): Promise<InstallPlan> {
  const hashedRequirements: string[] = [];
  for (const root of p.requirements) {
    for (const f of await collectRequirementFiles([root])) {
      let text = "";
      try {
        text = readBoundedText(f);
      } catch { /* read again (and reported) by the installer */ }
      if (pinsHashes(text)) {
        hashedRequirements.push(root);
        break;
      }
    }
  }
  const buildRequirements: string[] = [];
  if (noBuildIsolation(p.installArgs)) {
    for (const editable of p.editables) {
      // An editable may carry extras (`/r[cli]`, from project_dirs = [".[cli]"]).
      for (const r of buildRequires(editable.replace(/\[[^\]]*\]$/, ""))) {
        if (!buildRequirements.includes(r)) buildRequirements.push(r);
      }
    }
  }
  // Set only when non-empty: the plan is part of the fingerprint, and an env that
  // needs no phasing keeps the fingerprint it had.
  const out: InstallPlan = { ...p };
  if (hashedRequirements.length > 0) out.hashedRequirements = hashedRequirements;
  if (buildRequirements.length > 0) out.buildRequirements = buildRequirements;
  return out;
}

const NESTED = /^\s*(-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(\S+)/;

/** The `-r`/`-c` files a requirements file names, resolved against its directory. Pure. */
export function nestedRequirementFiles(text: string, file: string): string[] {
  const dir = dirname(file);
  const out: string[] = [];
  for (const line of text.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
    const m = NESTED.exec(line);
    if (!m) continue;
    const target = m[2];
    if (/^[a-z]+:\/\//i.test(target)) continue;
    out.push(target.startsWith("/") ? target : normalizePath(`${dir}/${target}`));
  }
  return out;
}

// `.`, `..`, `./x`, `/x`, `file:x`, each possibly with `[extras]` or `; marker`.
const LOCAL_PROJECT =
  /^\s*(?:(?:-e|--editable)(?:\s*=\s*|\s+))?((?:\.{1,2}(?:\/|(?=[\[;\s]|$))|\/|file:)\S*)/;

/**
 * Local projects a requirements file installs (`-e .`, `-e .[x]`, `--editable=.`,
 * `-e ./pkg`, `./pkg`, `file:../lib`),
 * resolved against its directory: their pyproject.toml/setup.* are inputs of the env
 * too. Pure.
 */
export function localProjectDirs(text: string, file: string): string[] {
  const dir = dirname(file);
  const out: string[] = [];
  for (const raw of text.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, "");
    const m = LOCAL_PROJECT.exec(line);
    if (!m) continue;
    let target = m[1].replace(/^file:(\/\/)?/, "").replace(/[#\[;].*$/, "");
    if (target === "" || /\.(whl|zip|tar\.gz|tgz)$/.test(target)) continue;
    if (!target.startsWith("/")) target = normalizePath(`${dir}/${target}`);
    out.push(target);
  }
  return out;
}

/**
 * Every requirements/constraints file reachable from `roots` through nested -r/-c,
 * roots included, each once. A missing nested file is a ConfigError (exit 3).
 */
export async function collectRequirementFiles(
  roots: string[],
  /** The env's inputs recorder (core/recorder.ts): each file is recorded as it is read. */
  rec?: { saw(...paths: string[]): void },
): Promise<string[]> {
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = async (file: string, from: string | null) => {
    if (seen.has(file)) return;
    seen.add(file);
    let text: string;
    rec?.saw(file);
    try {
      text = readBoundedText(file);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      if (e instanceof Deno.errors.NotFound) {
        throw new ConfigError(
          `requirements file not found: ${file}${from ? ` (named in ${from})` : ""}`,
          "create it or remove the reference",
        );
      }
      throw new ConfigError(`cannot read ${file}: ${errorMessage(e)}`);
    }
    order.push(file);
    for (const n of nestedRequirementFiles(text, file)) await visit(n, file);
  };
  for (const r of roots) await visit(r, null);
  return order;
}
