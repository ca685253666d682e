/**
 * Dependency groups (PEP 735) and extras, selected as uv selects them: which groups and
 * extras a build installs, and what they expand to. Pure.
 */
import type { DeclaredDeps, DepsSelection, GroupRequest } from "./types.ts";
import { ConfigError, UsageError } from "../core/errors.ts";
import { normalizeName } from "../pypa/pep508.ts";
import { didYouMean } from "./suggest.ts";

/**
 * Selects the dependency groups and extras of a build, with uv's meanings: the default
 * groups (`dev`, or `[tool.uv] default-groups`, or prime's `dependency_groups`) plus
 * `--group` and `--dev`; `--only-group` and `--only-dev` install those groups alone (no
 * project, no dependencies, no default groups; `--only-dev` ignores extras where
 * `--only-group` refuses them); `--no-group` (and `--no-dev`) always wins;
 * `--no-default-groups` drops the defaults; `--all-groups` takes every group; `--no-extra`
 * leaves an extra out, named by `--extra` or not. A `deployment` (`prime bundle`) takes no
 * default groups, as `uv sync --no-dev` in a container. An undefined `dev` is no error
 * where uv tolerates it (the default, `--dev`, `--no-dev`, `--only-dev`); a name given to
 * `--group`, `--only-group` or `--no-group` must be defined, `dev` too, as in uv. An
 * `--only-group`/`--only-dev` that selects nothing installs nothing, as uv does, with a
 * `warning`. Pure.
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
    if (req.groups.length > 0) conflict("--group", "--only-group");
    if (req.extras.length > 0) conflict("--only-group", "--extra");
    if (req.allExtras) conflict("--only-group", "--all-extras");
    if (req.allGroups) conflict("--only-group", "--all-groups");
    if (req.dev === true) conflict("--dev", "--only-group");
  }
  if (req.onlyDev) {
    if (req.groups.length > 0) conflict("--only-dev", "--group");
    if (req.allGroups) conflict("--only-dev", "--all-groups");
    // (UV_NO_DEV never sets `dev` beside --only-dev: this is the flag.)
    if (req.dev === false) conflict("--only-dev", "--no-dev");
  }
  if (req.allExtras && req.extras.length > 0) conflict("--extra", "--all-extras");
  const file = declared.file ?? "pyproject.toml";
  const byKey = new Map(declared.groups.map((g) => [normalizeName(g), g]));
  const checkGroup = (name: string, from: string, tolerateDev = false) => {
    if (byKey.has(normalizeName(name)) || (tolerateDev && normalizeName(name) === "dev")) return;
    throw new ConfigError(
      `dependency group \`${name}\` (from ${from}) is not defined in ${
        declared.file === null
          ? "a [dependency-groups] table (there is no pyproject.toml)"
          : (declared.memberFiles ?? []).length > 0
          ? `${file} or any workspace member's pyproject.toml`
          : file
      }${didYouMean(name, declared.groups)}`,
      declared.groups.length > 0
        ? `defined groups: ${declared.groups.join(", ")}`
        : "add it to [dependency-groups] in pyproject.toml",
    );
  };
  for (const g of req.groups) checkGroup(g, "--group");
  for (const g of req.onlyGroups) checkGroup(g, "--only-group");
  for (const g of req.noGroups) checkGroup(g, "--no-group");
  const only = req.onlyGroups.length > 0 || req.onlyDev === true;
  const useDefaults = !only && !req.noDefaultGroups && !opts.deployment;
  let all = req.allGroups;
  const wanted = new Set([...req.groups, ...req.onlyGroups].map(normalizeName));
  // `--dev` is `--group dev`, beside the defaults or not (uv: `--no-default-groups --dev`
  // installs dev); with `--only-dev` it is dev alone, as uv does.
  if (req.dev === true || req.onlyDev) wanted.add("dev");
  if (useDefaults) {
    if (declared.defaultGroups === "all") all = true;
    else {
      for (const g of declared.defaultGroups) {
        checkGroup(g, declared.defaultGroupsSource, true);
        wanted.add(normalizeName(g));
      }
    }
  }
  const excluded = new Set(req.noGroups.map(normalizeName));
  if (req.dev === false) excluded.add("dev");
  const groups = declared.groups.filter((g) =>
    (all || wanted.has(normalizeName(g))) && !excluded.has(normalizeName(g))
  );
  // uv installs nothing then, and says nothing; prime installs nothing and says why.
  const warning = !only || groups.length > 0
    ? undefined
    : req.onlyGroups.length === 0 && !byKey.has("dev")
    ? `--only-dev: there is no dev group in ${
      declared.file === null ? "a [dependency-groups] table" : file
    }: the env holds no packages, as with uv sync`
    : `--no-group removes every group ${
      req.onlyGroups.length > 0 ? "--only-group names" : "--only-dev names"
    }: the env holds no packages, as with uv sync`;

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
  for (const e of req.noExtras ?? []) checkExtra(e, "--no-extra");
  const extrasExcluded = new Set((req.noExtras ?? []).map(normalizeName));
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
    : declared.extras.filter((e) =>
      (allExtras || extrasWanted.has(normalizeName(e))) && !extrasExcluded.has(normalizeName(e))
    );
  return { groups, project: !only, extras, ...(warning ? { warning } : {}) };
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
 * The groups that `names` include through `include-group`, themselves not in `names`,
 * as declared: their requirements are installed too. Unknown names are skipped. Pure.
 */
export function includedGroups(
  groups: Record<string, Array<string | { "include-group": string }>>,
  names: string[],
): string[] {
  const byKey = new Map(Object.entries(groups).map(([k, v]) => [normalizeName(k), { k, v }]));
  const top = new Set(names.map(normalizeName));
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (name: string) => {
    const g = byKey.get(normalizeName(name));
    if (!g) return;
    for (const item of g.v) {
      if (typeof item === "string") continue;
      const key = normalizeName(item["include-group"]);
      if (seen.has(key)) continue;
      seen.add(key);
      const inc = byKey.get(key);
      if (inc && !top.has(key)) out.push(inc.k);
      visit(item["include-group"]);
    }
  };
  for (const n of names) visit(n);
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

/**
 * The requirements of the selected groups in a uv workspace root's env: each group from
 * the root and from every member that defines it (uv's `--all-packages`), each
 * project's `include-group` followed in its own table. Pure.
 * @throws ConfigError for include cycles and includes of undefined groups.
 */
export function workspaceGroupRequirements(
  projects: Array<{
    groups: Record<string, Array<string | { "include-group": string }>>;
    file: string;
  }>,
  selected: string[],
): string[] {
  const out: string[] = [];
  for (const p of projects) {
    const defined = new Set(Object.keys(p.groups).map(normalizeName));
    const names = selected.filter((g) => defined.has(normalizeName(g)));
    for (const req of resolveDependencyGroups(p.groups, names, p.file)) {
      if (!out.includes(req)) out.push(req);
    }
  }
  return out;
}
