/** Bringing a repo env or a script env to fresh, shared by sync, run, script mode and info. */
import type { RequiredPython } from "../python/types.ts";
import type { Settings, VenvDriverName } from "../config/types.ts";
import type { PythonInfo, Selection } from "../python/types.ts";
import type { Project } from "../project/project.ts";
import { rel, selectWithRequirement, withChoiceInputs } from "../project/project.ts";
import { satisfiesAny, versionSatisfies } from "../pypa/specifier.ts";
import { planIsEmpty } from "../deps/plan.ts";
import { envPlan, materializeLock } from "../deps/locks.ts";
import type { VenvDriver } from "../installers/driver.ts";
import { computeEnvInputs, type EnvInputs, isFresh } from "./inputs.ts";
// Types only: the build (build.ts) and the driver choice (choose_driver.ts, which
// loads the pip driver) are imported when a build needs them, so a start that finds
// its env fresh (run, env, info, shell) does not evaluate them.
import type { EnsureResult } from "./build.ts";
import type { decideDriver } from "./choose_driver.ts";
import { holdGeneration, liveDir } from "../core/generation.ts";
import { vouchedStamp } from "../core/record.ts";
import { ConfigError, errorMessage, PythonNotFoundError, VenvError } from "../core/errors.ts";
import { probePython } from "../python/probe.ts";
import { hasControlChar, readBoundedText } from "../core/paths.ts";
import * as log from "../log.ts";

/** A prepared env. */
export interface Prepared {
  settings: Settings;
  selection: Selection;
  python: PythonInfo;
  inputs: EnvInputs;
  result: EnsureResult;
}

/**
 * A `.python-version` pin wins over `[project].requires-python` (docs/configuration.md), but
 * a pin the project itself rules out is almost always a mistake: say so (uv refuses).
 */
function warnRequiresPythonConflict(p: Project, s: Settings, python: PythonInfo): void {
  const pyproject = p.loaded?.pyproject;
  const rp = pyproject?.requiresPython;
  if (
    !pyproject || !rp || s.pythonVersionFile === null || s.required.source !== s.pythonVersionFile
  ) return;
  if (p.override) return;
  let ok = true;
  try {
    ok = versionSatisfies(python.version, rp);
  } catch { /* an invalid requires-python is reported elsewhere */ }
  if (!ok) {
    log.warn(
      `Python ${python.version} (from ${s.pythonVersionFile}) does not satisfy requires-python ${rp} in ${pyproject.path}`,
    );
  }
}

/**
 * Marks the live build behind `venvDir` as in use by this process (as build.ts's
 * holdLiveVenv, without loading the build). False when there is none.
 */
async function holdLive(venvDir: string): Promise<boolean> {
  return await holdGeneration(liveDir(venvDir));
}

/**
 * Wraps a driver so its two long steps show progress; on a terminal the install step
 * also shows per-package progress (`3/15 numpy`) read from the installer.
 */
function withProgress(d: VenvDriver): VenvDriver {
  return {
    name: d.name,
    toolVersion: d.toolVersion,
    create: async (ctx) => {
      const p = log.progress("creating the venv");
      try {
        await d.create(ctx);
      } finally {
        p.done();
      }
    },
    install: async (ctx) => {
      if (planIsEmpty(ctx.plan)) return await d.install(ctx);
      const p = log.progress(`installing with ${d.toolVersion}`);
      try {
        await d.install(p.live ? { ...ctx, progress: p.update } : ctx);
      } finally {
        p.done();
      }
    },
    createAndInstall: (ctx) => {
      const oneStep = d.createAndInstall?.(ctx) ?? null;
      if (oneStep === null) return null;
      return async () => {
        const p = log.progress(`syncing with ${d.toolVersion}`);
        try {
          return await oneStep(p.live ? p.update : undefined);
        } finally {
          p.done();
        }
      };
    },
  };
}

function describeRejected(sel: Selection): string {
  return sel.rejected.map((r) => `  ${r.path}: ${r.reason}`).join("\n");
}

/**
 * Refuses a venv path that would put a wrong entry on PATH (`:` splits it, as Python's
 * own venv refuses) or a python_path that would add a line to the venv's .pth.
 * @throws VenvError (exit 5) naming the path and the fix.
 */
function checkVenvLocation(s: Settings): void {
  if (s.venvDir.includes(":") || hasControlChar(s.venvDir)) {
    throw new VenvError(
      `refusing to make a venv at ${JSON.stringify(s.venvDir)}: the path contains ${
        s.venvDir.includes(":") ? "`:`, the PATH separator" : "a control character"
      }`,
      {
        hint:
          "move the clone (or PRIME_CACHE_DIR) to a path without `:` or control characters, or set local_venv_dir_rel_path",
      },
    );
  }
  for (const d of s.pythonPath) {
    if (hasControlChar(d)) {
      throw new ConfigError(
        `python_path entry ${JSON.stringify(d)} contains a control character`,
        "move the clone to a path without newlines or other control characters",
      );
    }
  }
}

/**
 * The repo's selector is code from the clone: it runs only when a build needs its
 * answer. When the venv's stamp still matches every input (the selector's own content
 * included) for the interpreter it was built with, that env is used as it is and the
 * selector does not run. Null when a build (or a full selection) is needed.
 */
async function freshWithoutSelector(
  p: Project,
  settings: Settings,
  opts: { venvDirFor?: unknown } = {},
): Promise<Prepared | null> {
  if (!settings.selector || p.override || p.options.refresh || opts.venvDirFor) return null;
  // Only a build this user's prime recorded: a clone can commit a stamp naming any
  // program as its interpreter, and probing runs it.
  const { stamp } = vouchedStamp(p.cache, settings.venvDir);
  if (stamp === null || (stamp.driver !== "venv_uv" && stamp.driver !== "venv_pip")) return null;
  const probed = await probePython(stamp.python.realPath, { cacheDir: p.cache });
  if ("error" in probed) return null;
  const driver = settings.driver ?? stamp.driver;
  const inputs = await computeEnvInputs(
    settings,
    probed,
    driver,
    await envPlan(settings, p.loaded?.pyproject ?? null, p.refRoot),
    p.refRoot,
  );
  if (!(await isFresh(inputs, p.cache)) || !(await holdLive(inputs.venvDir))) return null;
  log.debug(`prime: ${settings.venvDir} is fresh; the selector is not run`);
  return {
    settings,
    selection: { python: probed, source: "selector", rejected: [], satisfies: true },
    python: probed,
    inputs,
    result: { built: false, reason: "fresh", seconds: 0 },
  };
}

/** The driver decision (and the uv it found, if any). */
type DriverDecision = Awaited<ReturnType<typeof decideDriver>>;

/** The interpreter a build uses, and the driver decision made on the way, if any. */
interface ChosenPython {
  selection: Selection;
  python: PythonInfo;
  /** Set when nothing local satisfied and uv had to be sought to supply a Python. */
  decided: DriverDecision | null;
}

/**
 * Asks uv for each alternative of the requirement in turn; what it returns is checked
 * like any other candidate (free-threading and implementation included).
 * @throws PythonNotFoundError (exit 4) when uv cannot supply a satisfying one.
 */
async function pythonFromUv(
  uv: NonNullable<DriverDecision["uv"]>,
  required: RequiredPython,
  selection: Selection,
  opts: { cacheDir: string; offline: boolean; projectDir: string },
): Promise<PythonInfo> {
  const { cacheDir, offline } = opts;
  const { uvFindOrInstallPython } = await import("../installers/uv.ts");
  // uv is asked for each alternative in turn; what it returns is checked like any
  // other candidate (free-threading and implementation included).
  let probed: Awaited<ReturnType<typeof probePython>> = { error: "uv found nothing" };
  const alternatives = required.requests.length ? required.requests : [null];
  const why: string[] = [];
  const hints: string[] = [];
  for (const req of alternatives) {
    let path: string;
    try {
      path = await uvFindOrInstallPython(uv, req, opts);
    } catch (e) {
      why.push(errorMessage(e));
      if (e instanceof PythonNotFoundError && e.hint) hints.push(e.hint);
      continue;
    }
    probed = await probePython(path, { cacheDir });
    if ("error" in probed) {
      why.push(`uv's Python ${path} cannot be used: ${probed.error}`);
      continue;
    }
    if (satisfiesAny(probed, required.requests)) break;
    why.push(`uv's Python ${path} (${probed.version}) does not satisfy ${required.value}`);
    probed = { error: "unsatisfied" };
  }
  if ("error" in probed) {
    throw new PythonNotFoundError(
      `no interpreter satisfies ${
        required.value ?? "the requirement"
      } (from ${required.source}), and uv could not supply one`,
      {
        details: [describeRejected(selection), ...why.map((w) => `  uv: ${w}`)].join("\n"),
        // uv's own next step when it had one answer (no such build, downloads off).
        hint: alternatives.length === 1 && hints.length === 1
          ? hints[0]
          : offline
          ? "drop --offline so uv may download it, or install one (pyenv install)"
          : "install one (pyenv install, uv python install), or pass --python PATH",
      },
    );
  }
  return probed;
}

/**
 * Step 1 of prepareEnv: selects the interpreter, letting uv supply one when nothing
 * local satisfies and uv may be used. @throws PythonNotFoundError (exit 4)
 */
async function choosePython(p: Project, settings: Settings): Promise<ChosenPython> {
  const o = p.options;
  const mayUseUv = settings.driver !== "venv_pip";
  const { selection, required } = await selectWithRequirement(p, settings.required, mayUseUv);
  let python = selection.python;
  let decided: DriverDecision | null = null;
  if (python === null) {
    const { decideDriver } = await import("./choose_driver.ts");
    decided = await decideDriver({
      configured: settings.driver,
      cacheDir: p.cache,
      python: null,
      installArgs: settings.installArgs,
      offline: o.offline,
      baseDir: settings.refRoot,
    });
    if (decided.uv === null) {
      throw new PythonNotFoundError(
        `no interpreter satisfies ${required.value ?? "the requirement"} (from ${required.source})`,
        {
          details: describeRejected(selection),
          hint: "install one (pyenv install, uv python install), or pass --python PATH",
        },
      );
    }
    const probed = await pythonFromUv(decided.uv, required, selection, {
      cacheDir: p.cache,
      offline: o.offline,
      projectDir: settings.refRoot,
    });
    python = probed;
    selection.python = probed;
    selection.source = "uv";
    // Checked just above; a selection that found nothing says false until now.
    selection.satisfies = true;
  }
  // Only an explicit --python path can miss the requirement here; no driver takes it
  // (uv refuses such an interpreter for a project too).
  if (selection.satisfies === false) {
    throw new PythonNotFoundError(
      `${python.path} (Python ${python.version}) does not satisfy ${settings.required.value} (from ${settings.required.source})`,
      { hint: "pick another interpreter with --python, or relax the requirement" },
    );
  }
  warnRequiresPythonConflict(p, settings, python);
  return { selection, python, decided };
}

/**
 * Selects the interpreter (step 1, choosePython), decides the driver, and makes the
 * venv fresh (ensureEnv).
 */
export async function prepareEnv(
  p: Project,
  settings: Settings,
  opts: {
    /** How messages name the env (default: the venv path relative to the ref root). */
    label?: string;
    /** For script envs: the venv's place depends on the interpreter. */
    venvDirFor?: (python: PythonInfo) => Promise<string>;
    /** False when no program runs from the env afterwards (ensureEnv). */
    holdForProgram?: boolean;
  } = {},
): Promise<Prepared> {
  // A repo env records its ref root for the program; a script env (no project) none.
  const runRefRoot = p.refRoot;
  const o = p.options;
  const kept = await freshWithoutSelector(p, settings, opts);
  if (kept !== null) return kept;
  const chosen = await choosePython(p, settings);
  const { selection, python } = chosen;
  let decided = chosen.decided;
  if (opts.venvDirFor) settings = { ...settings, venvDir: await opts.venvDirFor(python) };
  checkVenvLocation(settings);
  const plan = await envPlan(settings, p.loaded?.pyproject ?? null, runRefRoot);
  const final = withChoiceInputs(settings, selection);
  const compute = (name: VenvDriverName) =>
    computeEnvInputs(final, python!, name, plan, runRefRoot);

  // Fresh (what ensureEnv checks first): nothing of the build is loaded.
  const freshNow = async (inputs: EnvInputs) =>
    !o.refresh && await isFresh(inputs, p.cache) && await holdLive(inputs.venvDir)
      ? {
        settings,
        selection,
        python,
        inputs,
        result: { built: false, reason: "fresh" as const, seconds: 0 },
      }
      : null;
  let driverName: VenvDriverName | null = settings.driver;
  if (driverName === null && decided) driverName = decided.name;
  if (driverName === null) {
    const { stamp } = vouchedStamp(p.cache, settings.venvDir);
    if (stamp && (stamp.driver === "venv_uv" || stamp.driver === "venv_pip")) {
      // No driver configured: the one that built the venv stands while it is fresh,
      // so a fresh env never waits for uv to be found.
      const inputs = await compute(stamp.driver);
      const fresh = await freshNow(inputs);
      if (fresh) return fresh;
    }
  }
  let inputs = driverName ? await compute(driverName) : null;
  const getDecided = async () => {
    const { decideDriver } = await import("./choose_driver.ts");
    decided ??= await decideDriver({
      configured: settings.driver,
      cacheDir: p.cache,
      python,
      installArgs: settings.installArgs,
      offline: o.offline,
      baseDir: settings.refRoot,
    });
    return decided;
  };
  if (inputs === null) {
    const d = await getDecided();
    if (d.note) log.info(`prime: note: ${d.note}`);
    inputs = await compute(d.name);
  }
  const fresh = await freshNow(inputs);
  if (fresh) return fresh;
  const { ensureEnv } = await import("./build.ts");
  const { getUv, makeDriver } = await import("./choose_driver.ts");
  const result = await ensureEnv(inputs, {
    cacheDir: p.cache,
    refresh: o.refresh,
    offline: o.offline,
    label: opts.label ?? rel(final.venvDir, final.refRoot),
    holdForProgram: opts.holdForProgram,
    cwd: settings.refRoot,
    getDriver: async () => {
      const d = await getDecided();
      return withProgress(await makeDriver(inputs!.driverName, d.uv, python!, p.cache));
    },
    preparePlan: (ctx, driver) =>
      materializeLock(
        ctx.plan,
        {
          venvDir: ctx.venvDir,
          cwd: ctx.cwd,
          python: ctx.python.path,
          driver: driver.name,
          offline: ctx.offline,
        },
        async () => {
          // The uv driver's own uv; the pip driver borrows one only to read uv.lock.
          const d = await getDecided();
          if (d.uv) return d.uv.path;
          const got = await getUv({
            cacheDir: p.cache,
            python,
            installArgs: settings.installArgs,
            offline: o.offline,
            baseDir: settings.refRoot,
          });
          if (got.path === null) log.debug(`uv not obtained: ${got.tried.join("; ")}`);
          return got.path;
        },
        ctx.runner,
        async () => {
          // uv export may need the package index: the user's pip settings apply, as for installs.
          const { uvSettingsFromPip } = await import("../installers/uv.ts");
          const t = uvSettingsFromPip(ctx.cwd, ctx.plan.installArgs);
          return { args: t.args, env: t.env };
        },
      ),
  });
  if (result.built && inputs.driverName === "venv_pip" && runRefRoot !== null) {
    await warnUvOnlySettings(`${runRefRoot}/pyproject.toml`);
  }
  return { settings, selection, python, inputs, result };
}

/**
 * One warning when another venv is active (VIRTUAL_ENV), as `uv run` and `uv sync`
 * give: prime ignores it and uses the project's env. Quiet for the project's own env
 * (its stable path, or a generation of it behind an older `activate`).
 */
export function warnActiveVenv(
  venvDir: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): void {
  const active = env.VIRTUAL_ENV?.replace(/\/+$/, "");
  if (!active || active === venvDir) return;
  const real = (p: string) => {
    try {
      return Deno.realPathSync(p);
    } catch {
      return p;
    }
  };
  const parent = venvDir.slice(0, venvDir.lastIndexOf("/"));
  if (real(active) === real(venvDir) || active.startsWith(`${parent}/.prime/`)) return;
  log.warn(
    `VIRTUAL_ENV=${active} is not this project's env (${venvDir}) and is ignored: prime uses ${venvDir}`,
  );
  log.info(
    "  hint: `deactivate` it, or activate this env instead (source .venv/bin/activate, prime shell)",
  );
}

/**
 * A pip build of a project whose pyproject.toml has a `[tool.uv]` that changes the
 * result (indexes, exclude-newer, ...): pip never reads that table, so say so.
 */
async function warnUvOnlySettings(pyproject: string): Promise<void> {
  let table: unknown;
  try {
    const { parseToml } = await import("../config/toml.ts");
    const doc = parseToml(readBoundedText(pyproject), pyproject);
    table = (doc.tool as Record<string, unknown> | undefined)?.uv;
  } catch {
    return; // no pyproject.toml, or one the configuration step already reported
  }
  const { uvOnlySettings } = await import("../config/tool_uv.ts");
  const keys = uvOnlySettings(table);
  if (keys.length === 0) return;
  log.warn(
    `${pyproject} [tool.uv]: ${keys.map((k) => `\`${k}\``).join(", ")} ${
      keys.length === 1 ? "is a uv setting" : "are uv settings"
    }, and this env was built with pip, which does not read [tool.uv]`,
  );
  log.info(
    '  hint: build with uv (venv_driver = "venv_uv"), or give pip the same through install_args',
  );
}
