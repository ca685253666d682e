/** The install plan: what goes into a venv, in the install order (docs/how-it-works.md). */
import type { DeclaredDeps, DepsSelection, GroupRequest, Settings } from "../config/types.ts";
import type { InstallPlan } from "../installers/driver.ts";
import { ConfigError, errorMessage, UsageError } from "../core/errors.ts";
import { parseToml } from "../config/toml.ts";
import { dirname, normalizePath } from "../core/files.ts";
import { readBoundedText } from "../core/paths.ts";
import { normalizeName } from "../pypa/pep508.ts";
import { didYouMean } from "../config/suggest.ts";

// ---- Dependency groups (PEP 735) and extras, selected as uv selects them.

export type { DeclaredDeps, DepsSelection, GroupRequest };
export { emptyGroupRequest, groupRequestKey } from "../core/invocation.ts";

/**
 * Selects the dependency groups and extras of a build, with uv's meanings: the default
 * groups (`dev`, or `[tool.uv] default-groups`, or prime's `dependency_groups`) plus
 * `--group`; `--only-group` installs those groups alone (no project, no dependencies,
 * no default groups); `--no-group` (and `--no-dev`) always wins; `--no-default-groups`
 * drops the defaults; `--all-groups` takes every group. A `deployment` (`prime
 * bundle`) takes no default groups, as `uv sync --no-dev` in a container. An undefined
 * `dev` is no error (uv tolerates it too); any other undefined name is. Pure.
 * @throws UsageError for flags uv refuses together, ConfigError for an unknown name.
 */
export function selectDeps(
  declared: DeclaredDeps,
  req: GroupRequest,
  opts: { deployment?: boolean } = {},
): DepsSelection {
  const conflict = (a: string, b: string) => {
    throw new UsageError(
      `the option ${a} cannot be used with ${b}`,
      "uv refuses the same; drop one of them",
    );
  };
  if (req.onlyGroups.length > 0) {
    if (req.extras.length > 0) conflict("--only-group", "--extra");
    if (req.allExtras) conflict("--only-group", "--all-extras");
    if (req.allGroups) conflict("--only-group", "--all-groups");
  }
  if (req.allExtras && req.extras.length > 0) conflict("--extra", "--all-extras");
  const file = declared.file ?? "pyproject.toml";
  const byKey = new Map(declared.groups.map((g) => [normalizeName(g), g]));
  const checkGroup = (name: string, from: string) => {
    if (byKey.has(normalizeName(name)) || normalizeName(name) === "dev") return;
    throw new ConfigError(
      `dependency group \`${name}\` (from ${from}) is not defined in ${
        declared.file === null ? "a [dependency-groups] table (there is no pyproject.toml)" : file
      }${didYouMean(name, declared.groups)}`,
      declared.groups.length > 0
        ? `defined groups: ${declared.groups.join(", ")}`
        : "add it to [dependency-groups] in pyproject.toml",
    );
  };
  for (const g of req.groups) checkGroup(g, "--group");
  for (const g of req.onlyGroups) checkGroup(g, "--only-group");
  for (const g of req.noGroups) checkGroup(g, "--no-group");
  const only = req.onlyGroups.length > 0;
  const useDefaults = !only && !req.noDefaultGroups && !opts.deployment;
  let all = req.allGroups;
  const wanted = new Set([...req.groups, ...req.onlyGroups].map(normalizeName));
  if (useDefaults) {
    if (declared.defaultGroups === "all") all = true;
    else {
      for (const g of declared.defaultGroups) {
        if (normalizeName(g) !== "dev") checkGroup(g, declared.defaultGroupsSource);
        wanted.add(normalizeName(g));
      }
    }
  }
  const excluded = new Set(req.noGroups.map(normalizeName));
  const groups = declared.groups.filter((g) =>
    (all || wanted.has(normalizeName(g))) && !excluded.has(normalizeName(g))
  );
  if (only && groups.length === 0) {
    throw new UsageError(
      "--no-group removes every group --only-group names: nothing would be installed",
      "drop --no-group (or --no-dev), or name another group",
    );
  }

  const extraKeys = new Map(declared.extras.map((e) => [normalizeName(e), e]));
  const checkExtra = (name: string, from: string) => {
    if (extraKeys.has(normalizeName(name))) return;
    throw new ConfigError(
      `extra \`${name}\` (from ${from}) is not defined in the [project.optional-dependencies] table of ${file}${
        didYouMean(name, declared.extras)
      }`,
      declared.extras.length > 0
        ? `defined extras: ${declared.extras.join(", ")}`
        : "add it to [project.optional-dependencies] in pyproject.toml",
    );
  };
  for (const e of req.extras) checkExtra(e, "--extra");
  let allExtras = req.allExtras;
  const extrasWanted = new Set(req.extras.map(normalizeName));
  if (!only) {
    if (declared.defaultExtras === "all") allExtras = true;
    else {
      for (const e of declared.defaultExtras) {
        checkExtra(e, "`extras` in the configuration");
        extrasWanted.add(normalizeName(e));
      }
    }
  }
  const extras = only
    ? []
    : declared.extras.filter((e) => allExtras || extrasWanted.has(normalizeName(e)));
  return { groups, project: !only, extras };
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

/**
 * Expands PEP 735 dependency groups, following `include-group`.
 * @throws ConfigError for unknown groups and include cycles.
 */
export function resolveDependencyGroups(
  groups: Record<string, Array<string | { "include-group": string }>>,
  names: string[],
  file: string,
): string[] {
  const byKey = new Map<
    string,
    { name: string; items: Array<string | { "include-group": string }> }
  >();
  for (const [name, items] of Object.entries(groups)) {
    byKey.set(normalizeName(name), { name, items });
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const expand = (name: string, stack: string[], from: string | null): void => {
    const g = byKey.get(normalizeName(name));
    if (g === undefined) {
      const known = [...byKey.values()].map((v) => v.name);
      throw new ConfigError(
        `${file}: dependency group \`${name}\`${
          from === null ? "" : ` (included by \`${from}\`)`
        } is not defined${didYouMean(name, known)}`,
        known.length > 0
          ? `defined groups: ${known.join(", ")}`
          : "add it to [dependency-groups] in pyproject.toml",
      );
    }
    if (stack.includes(normalizeName(name))) {
      throw new ConfigError(
        `${file}: [dependency-groups] include cycle: ${
          [...stack.map((k) => byKey.get(k)!.name), g.name].join(" -> ")
        }`,
        "remove one of the include-group entries",
      );
    }
    for (const item of g.items) {
      if (typeof item === "string") {
        if (!seen.has(item)) {
          seen.add(item);
          out.push(item);
        }
      } else expand(item["include-group"], [...stack, normalizeName(name)], g.name);
    }
  };
  for (const n of names) expand(n, [], null);
  return out;
}

/**
 * The requirements of extras of a project that cannot be installed as a package (no
 * [build-system]): each extra's items, with the project's references to itself
 * (`app[cli]` in `all = ["app[cli]"]`) expanded instead of installed. Pure.
 */
export function extraRequirements(
  optional: Record<string, string[]>,
  extras: string[],
  projectName: string | undefined,
): string[] {
  const byKey = new Map(Object.entries(optional).map(([k, v]) => [normalizeName(k), v]));
  const self = projectName === undefined ? null : normalizeName(projectName);
  const out: string[] = [];
  const seen = new Set<string>();
  const expand = (extra: string) => {
    const key = normalizeName(extra);
    if (seen.has(key)) return;
    seen.add(key);
    for (const req of byKey.get(key) ?? []) {
      const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(;.*)?$/.exec(req);
      if (self !== null && m && normalizeName(m[1]) === self && !m[3]) {
        for (const e of (m[2] ?? "").split(",").map((x) => x.trim()).filter(Boolean)) expand(e);
        continue;
      }
      if (!out.includes(req)) out.push(req);
    }
  };
  for (const e of extras) expand(e);
  return out;
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

/** Whether the plan installs anything at all. */
export function planIsEmpty(p: InstallPlan): boolean {
  return p.requirements.length === 0 && p.dependencies.length === 0 &&
    p.groupRequirements.length === 0 && p.editables.length === 0;
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
export async function collectRequirementFiles(roots: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = async (file: string, from: string | null) => {
    if (seen.has(file)) return;
    seen.add(file);
    let text: string;
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
