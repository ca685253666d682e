/**
 * `prime info [--json]`: every decision and its source. Read-only: it builds nothing
 * and runs no code from the repo (the selector included: it shows what a build would
 * run instead).
 */
import { parseToml } from "../config/toml.ts";
import { readBoundedText } from "../core/paths.ts";
import { lockFilePins, readPins } from "../pypa/constraints.ts";
import type { Project, RootedProject } from "../project/project.ts";
import { loadProject, selectWithRequirement, withChoiceInputs } from "../project/project.ts";
import type { Settings, VenvDriverName } from "../config/types.ts";
import { DEFAULT_ISOLATION } from "../config/settings.ts";
import type { PythonInfo, Selection } from "../python/types.ts";
import { installPhases } from "../deps/plan.ts";
import { envPlan, planWithLockFile } from "../deps/locks.ts";
import { includedGroups } from "../config/dependency_groups.ts";
import { checkFreshness, computeEnvInputs, recordedStamp } from "../venv/inputs.ts";
import { PRIME_VERSION } from "../core/version.ts";
import { PrimeError } from "../core/errors.ts";
import * as log from "../log.ts";
import { writeAll } from "../core/files.ts";
import { probePython } from "../python/probe.ts";
import { isTrusted } from "../state/trust.ts";
import { pointerPath, pointerRequest, readPointerEntry, requestKey } from "../core/pointer.ts";
import { vouchedBuild } from "../core/record.ts";
import { staleReason } from "../core/stamp.ts";
import type {
  InfoReport,
  InstallerSettingReport,
  PythonReport,
  VenvReport,
} from "./info_report.ts";

/**
 * Gathers the facts `info` reports, as plain data. What the human summary shows only
 * with -v can be left out: `pip: false`, which pip wheel the pip driver would run
 * (finding it inflates each candidate wheel's METADATA: node:zlib, ~20 ms of CPU);
 * `installerSettings: false`, where pip's settings come from and how uv gets them
 * (`installer_settings` and `uv_settings` are then empty: pip's configuration files
 * and the uv driver's module are not read, ~3 ms).
 */
export async function gatherInfo(
  p: Project,
  more: LoadInfoMore,
  script?: ScriptEnvInfo,
  { pip = true, installerSettings: withSettings = true }: {
    pip?: boolean;
    installerSettings?: boolean;
  } = {},
): Promise<InfoReport> {
  let s = script?.settings ?? p.settings;
  let required = { value: p.required.value, source: p.required.source };
  let python: PythonReport;
  let pyInfo = null;
  let choiceSelection: Selection | null = null;
  const selector = p.override ? null : s?.selector ?? null;
  if (selector !== null) {
    // The selector is the repo's code: info never runs it. It reports the interpreter
    // the existing venv was built with, and the command a build would run.
    // Only the interpreter of a build the user's cache records: a clone can commit a
    // stamp naming a program of its own, and probing runs it.
    const { stamp } = recordedStamp(p.cache, s!.venvDir);
    const probed = stamp ? await probePython(stamp.python.realPath, { cacheDir: p.cache }) : null;
    pyInfo = probed !== null && !("error" in probed) ? probed : null;
    const would = {
      command: [selector, p.required.value ?? ""] as [string, string],
      cwd: p.refRoot,
    };
    python = {
      path: pyInfo?.path ?? null,
      real_path: pyInfo?.realPath ?? null,
      version: pyInfo?.version ?? null,
      implementation: pyInfo?.implementation ?? null,
      source: pyInfo ? "selector (as recorded by the existing venv)" : null,
      satisfies: pyInfo !== null,
      rejected: [],
      selector: { ...would, run: false },
      note: `info runs no repo code; a build would run: cd ${would.cwd} && ${selector} ${
        JSON.stringify(would.command[1])
      }`,
    };
  } else {
    try {
      const { selection: sel, required: effective } = await selectWithRequirement(
        p,
        p.required,
        true,
      );
      required = { value: effective.value, source: effective.source };
      pyInfo = sel.python;
      python = {
        path: sel.python?.path ?? null,
        real_path: sel.python?.realPath ?? null,
        version: sel.python?.version ?? null,
        implementation: sel.python?.implementation ?? null,
        source: sel.python ? sel.source : null,
        satisfies: sel.satisfies ?? (sel.python !== null),
        // The user's choice that decided (UV_PYTHON, pyenv, asdf, mise, PATH), and
        // the ones looked at before it that did not.
        choice: sel.choice ?? null,
        choices_ignored: sel.ignoredChoices ?? [],
        rejected: sel.rejected,
      };
      choiceSelection = sel;
      if (!sel.python) python.note = "nothing local satisfies; the uv driver would ask uv for one";
    } catch (e) {
      if (!(e instanceof PrimeError)) throw e;
      python = { path: null, version: null, source: null, error: e.message, rejected: [] };
    }
  }
  let venv: VenvReport | null = null;
  // A script env's directory depends on the interpreter.
  if (script && s && pyInfo) s = { ...s, venvDir: await script.venvDirFor(pyInfo) };
  const plan = s ? await envPlan(s, p.loaded?.pyproject ?? null, p.refRoot) : null;
  if (s) {
    const recorded = recordedStamp(p.cache, s.venvDir);
    const stamp = recorded.stamp;
    let driver: VenvDriverName;
    let driverSource: string | null;
    if (s.driver) [driver, driverSource] = [s.driver, s.driverSource];
    else if (stamp?.driver === "venv_uv" || stamp?.driver === "venv_pip") {
      [driver, driverSource] = [stamp.driver, "the existing venv"];
    } else {
      // Read-only: look for a uv that needs no download (PATH, prime's cache).
      const local = (await more()).localUv(p.cache);
      if (local) [driver, driverSource] = ["venv_uv", `default: uv at ${local}`];
      else if (p.options.offline) {
        [driver, driverSource] = [
          "venv_pip",
          "default: no uv on PATH or in the cache, and --offline",
        ];
      } else {
        [driver, driverSource] = [
          "venv_uv",
          "default: uv will be obtained on the first build (pip if that fails)",
        ];
      }
    }
    let fresh = false;
    let reason = "missing";
    let runsAsIs = false;
    if (pyInfo) {
      const inputs = await computeEnvInputs(
        choiceSelection ? withChoiceInputs(s, choiceSelection) : s,
        pyInfo,
        driver,
        plan!,
        script ? null : s.refRoot,
      );
      // The record read above (its parse is most of this check).
      const f = checkFreshness(inputs, p.cache, recorded);
      fresh = f.fresh;
      reason = f.reason;
      // Only a stale env's: a fresh one is what every start uses.
      if (!fresh && !script && p.refRoot !== null) runsAsIs = await startsUseRecord(p, s.venvDir);
    } else if (stamp) reason = "no interpreter satisfies the requirement";
    else if (recorded.reason !== "missing") reason = recorded.reason;
    venv = {
      path: s.venvDir,
      driver,
      driver_source: driverSource,
      fresh,
      reason,
      runs_as_is: fresh || runsAsIs,
      built_at: stamp?.createdAt ?? null,
      tool_version: stamp?.toolVersion ?? null,
    };
    if (pip && driver === "venv_pip" && pyInfo) venv.pip = (await more()).pipReport(pyInfo);
  }
  // Where each installer setting comes from (pip's files and variables), and how uv gets it.
  let installerSettings: InstallerSettingReport[] = [];
  let uvSettings: InfoReport["uv_settings"] = [];
  if (s && withSettings) {
    ({ installer: installerSettings, uv: uvSettings } = (await more()).installerSettingsReport(s));
  }
  return {
    prime_version: PRIME_VERSION,
    ref_root: p.refRoot,
    // Why the ref root is an ancestor of the nearest config dir (a workspace member).
    workspace: p.refRoot !== null && p.workspace
      ? { member: p.workspace.member, named_in: p.workspace.file, via: p.workspace.via }
      : null,
    config_files: s?.configFiles ?? [],
    env: s?.env ?? null,
    env_source: s?.envSource ?? null,
    required_python_version: required,
    python,
    venv,
    isolation: s?.isolation ?? DEFAULT_ISOLATION,
    // Whether `prime env`/`prime shell` may export this clone's vars (prime trust).
    vars_trusted: s && (Object.keys(s.vars).length > 0 || s.varsFiles.length > 0)
      ? await isTrusted(p.cache, s)
      : null,
    cache_dir: p.cache,
    installer_settings: installerSettings,
    uv_settings: uvSettings,
    // The project's dependency groups and extras, and which this start installs.
    groups: s?.declaredDeps && s.deps && s.declaredDeps.file !== null
      ? {
        declared: s.declaredDeps.groups,
        default: s.declaredDeps.defaultGroups,
        default_source: s.declaredDeps.defaultGroupsSource,
        installed: s.deps.groups,
        included: includedGroups(p.loaded?.pyproject?.dependencyGroups ?? {}, s.deps.groups),
        extras: s.declaredDeps.extras,
        extras_installed: s.deps.extras,
        project_installed: s.deps.project,
      }
      : null,
    plan: s
      ? {
        requirements: s.requirements,
        dependencies: s.dependencies,
        dependency_groups: s.dependencyGroups,
        project_dirs: s.projectDirs.map((d) => d + (s.projectExtras?.[d] ?? "")),
        constraints_file: s.constraintsFile,
        // What the versions are held to (`name==version`): the lock in force (uv.lock,
        // pylock.toml), else what `prime lock` pinned in the constraints file.
        pins: plan!.lock
          ? lockPinsOf(plan!.lock.path)
          : s.constraintsFile
          ? pinsOf(s.constraintsFile)
          : [],
        // A lock in force pins [project].dependencies and the groups (installed first,
        // in a call of its own).
        lock_file: plan!.lock?.path ?? null,
        install_args: s.installArgs,
        // More than one when pip needs it (a lock, hash-pinned files, --no-build-isolation);
        // the lock's pins are a call of their own (its file is written only by a build).
        install_calls: installPhases(
          plan!.lock ? planWithLockFile(plan!, plan!.lock.path, true) : plan!,
        ).map((ph) => ph.label),
        python_path: s.pythonPath,
        vars: Object.keys(s.vars),
        vars_files: s.varsFiles,
        inputs: s.inputs ?? [],
      }
      : null,
  };
}

/**
 * Loads info_more.ts, what the report needs only with -v or --json or before the first
 * build: the CLI's load(), which Deno does not follow at start-up (see info_more.ts).
 */
export type LoadInfoMore = () => Promise<typeof import("./info_more.ts")>;

/** What `prime info SCRIPT` needs of a PEP 723 script env (see commands/script.ts). */
export interface ScriptEnvInfo {
  settings: Settings;
  venvDirFor: (py: PythonInfo) => Promise<string>;
}

/** The packages a lock file pins (empty when it is unreadable). */
function lockPinsOf(path: string): string[] {
  try {
    return lockFilePins(readBoundedText(path), (text) => parseToml(text, path));
  } catch {
    return [];
  }
}

/** The pins of a constraints file (empty when it is missing or unreadable). */
function pinsOf(path: string): string[] {
  try {
    return readPins(readBoundedText(path)).map((p) => `${p.name}==${p.version}`);
  } catch {
    return [];
  }
}

/**
 * infoCommand() for the project `inv` names, loaded through this module's own import of
 * project.ts: the CLI's load() of it again (another entry of the cold bundle) costs
 * about 0.5 ms.
 */
export async function infoOf(
  inv: Parameters<typeof loadProject>[0],
  json: boolean,
  more: LoadInfoMore,
): Promise<number> {
  return await infoCommand(await loadProject(inv, inv.base), json, more);
}

/** Prints the info as JSON (stdout) or as a human summary (stdout). */
export async function infoCommand(
  p: Project,
  json: boolean,
  more: LoadInfoMore,
  script?: ScriptEnvInfo,
): Promise<number> {
  const verbose = p.options.verbose > 0;
  const info = await gatherInfo(p, more, script, {
    pip: json || verbose,
    installerSettings: json || log.getVerbosity() >= 1,
  });
  const out = json ? JSON.stringify(info, null, 2) + "\n" : humanInfo(info, verbose);
  writeAll(Deno.stdout, out);
  return 0;
}

function humanInfo(i: InfoReport, verbose: boolean): string {
  const req = i.required_python_version;
  const py = i.python;
  const venv = i.venv;
  const ws = i.workspace;
  const plan = i.plan;
  const selector = py.selector;
  const lines = [
    `prime ${i.prime_version}`,
    `ref root:   ${i.ref_root ?? "(none: no prime.toml or pyproject.toml found)"}`,
    ...(ws ? [`            (workspace root: ${ws.named_in} names ${ws.member} in ${ws.via})`] : []),
    `config:     ${i.config_files.join(", ") || "(none: zero-config defaults)"}`,
    `env:        ${i.env ?? "(default)"}${i.env_source ? ` (from ${i.env_source})` : ""}`,
    `requires:   ${
      req.value === null
        ? "any Python 3 (nothing asks for a version)"
        : `${req.value} (from ${req.source})`
    }`,
    `python:     ${
      py.path
        ? `${py.path} (${py.version}, ${
          py.source === "search" ? "found by the search" : `from ${py.source}`
        })`
        : `none: ${py.error ?? py.note}`
    }`,
  ];
  const choice = py.choice;
  const ignored = py.choices_ignored ?? [];
  if (py.path && py.source === "search") {
    lines.push(
      `chosen by:  ${
        choice
          ? `your choice ${choice.rule} = ${choice.value}`
          : req.source === "--python" || req.source === "PRIME_PYTHON"
          ? `${req.source} ${req.value} (the highest that matches)`
          : req.value === null
          ? "the first python3 on PATH (nothing chose a version)"
          : "the highest version that satisfies (nothing you set chose one)"
      }`,
    );
    for (const c of ignored) lines.push(`  ignored: ${c.rule} = ${c.value}: ${c.why}`);
  }
  if (selector) {
    lines.push(
      `selector:   ${selector.command[0]} ${
        JSON.stringify(selector.command[1])
      } in ${selector.cwd} (not run: info runs no repo code; a build runs it)`,
    );
  }
  const rejected = py.rejected;
  if (rejected.length) {
    lines.push(`rejected:`);
    for (const r of rejected) lines.push(`  ${r.path}: ${r.reason}`);
  }
  if (venv) {
    lines.push(
      `venv:       ${venv.path} (${venv.driver}: ${driverProse(String(venv.driver_source))})`,
      `fresh:      ${venv.fresh ? "yes" : `no: ${venv.reason}`}`,
    );
    if (!venv.fresh && venv.runs_as_is) {
      // A start checks the recorded build's inputs; it does not search again (PATH, a
      // newly installed Python), so until a build it runs what it ran before.
      lines.push(
        "            (prime app.py and prime run still use the recorded build as it is: its inputs are",
        "            unchanged, and a start does not search again; `prime sync` rebuilds it)",
      );
    }
    const pip = venv.pip;
    if (pip && verbose) {
      const from = pip.source === "bundled"
        ? "the interpreter's own bundled wheel"
        : "the host's shared wheels";
      lines.push(`pip:        ${pip.wheel ? `${pip.version} (${from}: ${pip.wheel})` : pip.note}`);
      for (const r of pip.passed_over) {
        lines.push(`  passed over ${r.wheel}: ${r.reason}`);
      }
    }
  }
  lines.push(
    `isolation:  ${
      i.isolation === "strict"
        ? "strict (python -I: PYTHON* settings are ignored too)"
        : "imports (python -s; import-path variables removed, other PYTHON* settings pass)"
    }`,
  );
  const groups = i.groups;
  if (groups) {
    const def = groups.default === "all" ? "all" : groups.default.join(", ") || "none";
    const mark = (names: string[], on: string[], via: string[] = []) =>
      names.length
        ? names.map((n) =>
          `${n} ${on.includes(n) ? "[x]" : via.includes(n) ? "[x] (included)" : "[ ]"}`
        ).join(", ")
        : "none";
    lines.push(
      `groups:     ${
        mark(groups.declared, groups.installed, groups.included)
      } (default: ${def}, from ${groups.default_source})`,
      `extras:     ${mark(groups.extras, groups.extras_installed)}`,
    );
    if (!groups.project_installed) {
      lines.push(
        "            (--only-group or --only-dev: the project and its dependencies are left out)",
      );
    }
  }
  if (plan) {
    for (const [k, v] of Object.entries(plan)) {
      if (k === "install_calls") {
        const calls = plan.install_calls;
        if (calls.length > 1) {
          lines.push(`install:    ${calls.length} calls: ${calls.join("; then ")}`);
        }
        continue;
      }
      if (k === "pins" && Array.isArray(v) && v.length > 8 && !verbose) {
        // A lock may pin hundreds: the first few, and where the rest are.
        lines.push(
          `${"pins:".padEnd(12)}${v.length}: ${v.slice(0, 8).join(", ")}, ... (-v lists all)`,
        );
        continue;
      }
      if (Array.isArray(v) ? v.length : v) {
        lines.push(`${(k + ":").padEnd(12)}${Array.isArray(v) ? v.join(", ") : v}`);
      }
    }
  }
  if (i.vars_trusted !== null && i.vars_trusted !== undefined) {
    lines.push(
      `trusted:    ${
        i.vars_trusted
          ? "yes: prime env exports these vars"
          : "no: prime env exports none of these vars until `prime trust`"
      }`,
    );
  }
  lines.push(`cache:      ${i.cache_dir}`);
  const settings = i.installer_settings;
  if (log.getVerbosity() >= 1) {
    lines.push(
      settings.length
        ? "installer settings (pip's, as uv gets them):"
        : "installer settings: none from pip's configuration (PIP_*, pip.conf)",
    );
    for (const t of settings) {
      const v = Array.isArray(t.value) ? t.value.join(" ") : String(t.value);
      lines.push(`  ${t.setting} = ${v}  (from ${t.source}; uv: ${t.uv})`);
    }
    const own = i.uv_settings;
    if (own.length) {
      lines.push("uv's own settings (they win over pip's):");
      for (const t of own) lines.push(`  ${t.setting}  (from ${t.source})`);
    }
  }
  return alignLabels(lines).join("\n") + "\n";
}

/** Why this driver, as prose with no nested parentheses. */
function driverProse(source: string): string {
  if (source === "config") return "set in the configuration";
  if (source === "PRIME_VENV_DRIVER") return "set by PRIME_VENV_DRIVER";
  if (source === "PEP 723 block") return "set in the script's block";
  if (source === "the existing venv") return "what the existing venv was built with";
  return source.replace(/^default: (.*)$/, "the default, $1").replace(/ \((.*)\)$/, "; $1");
}

/**
 * Pads every `label: value` line to the longest label, so that a long label
 * (`dependency_groups:`) never runs into its value. Continuation lines (indented to the
 * old 12-column value) move with them; `  item` lines stay as they are.
 */
export function alignLabels(lines: string[]): string[] {
  const label = /^([a-z][a-z_ ]*:) *(\S.*)$/;
  const width = Math.max(
    12,
    ...lines.map((l) => label.exec(l)?.[1].length ?? 0).map((n) => n + 1),
  );
  return lines.map((l) => {
    const m = label.exec(l);
    if (m) return m[1].padEnd(width) + m[2];
    if (/^ {12}\S/.test(l)) return " ".repeat(width) + l.trimStart();
    return l;
  });
}

/**
 * Whether a start (`prime app.py`, `prime run`) would use the build the user's cache
 * records for this request as it is: the warm path's check (the pointer, the record,
 * and staleReason() over the recorded inputs). It does not search for an interpreter
 * again, so it can hold while the selection now picks another one. Read-only.
 */
async function startsUseRecord(p: RootedProject, venvDir: string): Promise<boolean> {
  const key = requestKey("repo", p.refRoot, p.invocation);
  const entry = readPointerEntry(pointerPath(p.cache, key), pointerRequest(key));
  if (entry === null || entry.venvDir !== venvDir) return false;
  const v = vouchedBuild(p.cache, venvDir);
  if (v.stamp === null || v.stamp.fingerprint !== entry.fingerprint) return false;
  return await staleReason(v.stamp, v.dir, v.inputs) === null;
}
