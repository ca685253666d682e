/**
 * Selecting the interpreter: the override, then the selector script, then a search
 * that checks the version of everything it finds (docs/how-it-works.md, step 1).
 */
import type { PythonRequest } from "../pypa/specifier.ts";
import type { RequiredPython } from "./types.ts";
import type { IgnoredChoice, PythonChoice, PythonInfo, Rejected, Selection } from "./types.ts";
import { PythonNotFoundError } from "../core/errors.ts";
import { run as defaultRun, type Runner, tail } from "../process.ts";
import * as log from "../log.ts";
import { type DiscoverEnv, type Discovery, findCandidates } from "./discover.ts";
import { isShim, probePython, resolveShim } from "./probe.ts";
import {
  admitsOnlyOlderThanMin,
  compareVersions,
  isPrerelease,
  MIN_PYTHON,
  OLDER_THAN_MIN_HINT,
  satisfiesAny,
  satisfiesRequest,
} from "../pypa/specifier.ts";
import { requestFromSpecifier } from "./python_version.ts";
import { dirname, resolvePath, statOrNull } from "../core/files.ts";

/** Seconds a selector may run before it counts as failed; PRIME_SELECTOR_TIMEOUT overrides. */
export const SELECTOR_TIMEOUT_SEC = 30;

/** How many interpreters are probed at once on a cold search. */
const PROBE_CONCURRENCY = 8;

/** Options for selectPython. */
export interface SelectOptions {
  /** `--python` / `PRIME_PYTHON`: an interpreter path, or a version request. */
  override?: string | null;
  /** Names the override in messages (`--python`, `PRIME_PYTHON`). */
  overrideSource?: string;
  /** Absolute path of the configured selector script. */
  selector?: string | null;
  /** The selector's working directory, and the base of a relative path it prints. */
  refRoot?: string | null;
  cacheDir: string;
  /** The environment searched (PATH, PYENV_ROOT, ...); default: prime's own. */
  env?: Record<string, string | undefined>;
  runner?: Runner;
  /** Return `python: null` instead of throwing when nothing satisfies (the uv driver may install one). */
  allowMissing?: boolean;
  /**
   * The user's choices (readPythonChoices), in preference order: among the
   * interpreters that satisfy the requirement, the first choice naming one decides.
   */
  choices?: PythonChoice[];
  /** Test seam: replaces candidate discovery. */
  discover?: (required: RequiredPython, env: DiscoverEnv) => Discovery | Promise<Discovery>;
}

/** One candidate after probing. */
export interface Probed {
  path: string;
  result: PythonInfo | { error: string };
}

/** The requirement as shown in messages: `==3.12.* or ==3.11.*`, or `any Python 3`. */
export function describeRequired(required: RequiredPython): string {
  if (required.requests.length === 0) return `any Python 3 (>= ${MIN_PYTHON})`;
  return required.requests.map(describeRequest).join(" or ");
}

function describeRequest(r: PythonRequest): string {
  if (r.implementation !== null || r.freethreaded || r.specifier === null) return r.raw;
  return r.specifier;
}

function describeInfo(info: PythonInfo): string {
  const impl = info.implementation === "cpython" ? "" : `${info.implementation} `;
  return `${impl}version ${info.version}${info.freethreaded ? " (free-threaded)" : ""}`;
}

function whyNot(info: PythonInfo, required: RequiredPython): string {
  if (compareVersions(info.version, MIN_PYTHON) < 0) {
    return `${describeInfo(info)} is older than ${MIN_PYTHON}, the oldest Python prime can use`;
  }
  if (info.freethreaded && !required.requests.some((r) => r.freethreaded)) {
    return `${describeInfo(info)} is a free-threaded build, used only when asked for (e.g. 3.13t)`;
  }
  return `${describeInfo(info)} does not satisfy ${describeRequired(required)}`;
}

/** Whether an interpreter is one a choice names. */
function matchesChoice(info: PythonInfo, c: PythonChoice): boolean {
  return c.paths.includes(info.realPath) || c.requests.some((r) => satisfiesRequest(info, r));
}

/**
 * Among interpreters a choice names, the one it names first (for a version request,
 * the highest of that version); the highest when the choice keeps no order.
 */
function firstNamed(named: PythonInfo[], c: PythonChoice): PythonInfo {
  const ranks = named.map((i) => rankIn(i, c));
  const best = Math.min(...ranks);
  return highest(named.filter((_, k) => ranks[k] === best));
}

/** Where a choice names an interpreter: the index of its first name that does (0 with no order). */
function rankIn(info: PythonInfo, c: PythonChoice): number {
  if (!c.order) return 0;
  const k = c.order.findIndex((o) =>
    "path" in o ? info.realPath === o.path : satisfiesRequest(info, o.request)
  );
  return k < 0 ? Infinity : k;
}

/** The highest version among interpreters (the first on a tie). */
function highest(infos: PythonInfo[]): PythonInfo {
  let best = infos[0];
  for (const i of infos) if (compareVersions(i.version, best.version) > 0) best = i;
  return best;
}

/** Why a choice whose words name no interpreter and no version did not decide. */
export const NAMES_NOTHING = "names no installed version, pyenv env or interpreter";

/**
 * Chooses among probed candidates (pure). Requests are tried in order and the first
 * one that anything satisfies wins. Within it, the user's choices decide first (the
 * first choice that names a satisfying interpreter; the first it names, see firstNamed); else final
 * releases beat pre-releases, and for a specifier the highest version wins, with no
 * specifier the first candidate, respecting PATH order. Ties go to the earlier
 * candidate. Every other candidate is returned with the reason it was not chosen, and
 * every choice consulted before the deciding one with the reason it did not decide.
 */
export function pickPython(
  required: RequiredPython,
  probed: Probed[],
  choices: PythonChoice[] = [],
): {
  python: PythonInfo | null;
  rejected: Rejected[];
  choice: PythonChoice | null;
  ignoredChoices: IgnoredChoice[];
  choiceFiles: string[];
} {
  const usable = probed.flatMap((p) => "error" in p.result ? [] : [p.result]);
  // No requests means "any Python 3": one pseudo-request with no constraints but the floor.
  const requests: Array<PythonRequest | null> = required.requests.length
    ? required.requests
    : [null];
  const fits = (info: PythonInfo, r: PythonRequest | null) =>
    r === null ? satisfiesAny(info, []) : satisfiesRequest(info, r);
  let chosen: PythonInfo | null = null;
  let winning: PythonRequest | null = null;
  let byChoice: PythonChoice | null = null;
  const ignoredChoices: IgnoredChoice[] = [];
  const choiceFiles: string[] = [];
  for (const r of requests) {
    const sat = usable.filter((i) => fits(i, r));
    if (sat.length === 0) continue;
    winning = r;
    for (const c of choices) {
      choiceFiles.push(...c.files);
      if (c.requests.length === 0 && c.paths.length === 0) {
        // A choice that names nothing at all (PYENV_VERSION=nonexist: no pyenv install or
        // env, nor a version) is listed too; one with no value (no such file) is not.
        if (c.value !== "") {
          ignoredChoices.push({ rule: c.rule, value: c.value, why: NAMES_NOTHING });
        }
        continue;
      }
      const named = sat.filter((i) => matchesChoice(i, c));
      if (named.length) {
        chosen = firstNamed(named, c);
        byChoice = c;
        break;
      }
      const elsewhere = usable.find((i) => matchesChoice(i, c));
      ignoredChoices.push({
        rule: c.rule,
        value: c.value,
        why: elsewhere
          ? `${describeInfo(elsewhere)} does not satisfy ${describeRequired(required)}`
          : "no such interpreter was found",
      });
    }
    if (chosen !== null) break;
    const finals = sat.filter((i) => !isPrerelease(i.version));
    const pool = finals.length ? finals : sat;
    chosen = r !== null && r.specifier !== null ? highest(pool) : pool[0];
    break;
  }
  const rejected: Rejected[] = [];
  for (const p of probed) {
    if ("error" in p.result) {
      rejected.push({ path: p.path, reason: `probe failed: ${p.result.error}` });
      continue;
    }
    const info = p.result;
    if (info === chosen) continue;
    if (!requests.some((r) => fits(info, r))) {
      rejected.push({ path: p.path, reason: whyNot(info, required) });
    } else if (chosen === null) {
      rejected.push({ path: p.path, reason: `${describeInfo(info)}: not chosen` });
    } else if (!fits(info, winning)) {
      rejected.push({
        path: p.path,
        reason: `${describeInfo(info)} satisfies only a later alternative; ${
          winning ? describeRequest(winning) : "an earlier one"
        } was satisfied first`,
      });
    } else if (byChoice !== null && !matchesChoice(info, byChoice)) {
      rejected.push({
        path: p.path,
        reason: `${describeInfo(info)}: not your choice: ${byChoice.rule} = ${byChoice.value}`,
      });
    } else if (byChoice !== null && rankIn(info, byChoice) > rankIn(chosen, byChoice)) {
      rejected.push({
        path: p.path,
        reason: `${
          describeInfo(info)
        } comes after ${chosen.version} in ${byChoice.rule} = ${byChoice.value}`,
      });
    } else if (isPrerelease(info.version) && !isPrerelease(chosen.version)) {
      rejected.push({
        path: p.path,
        reason: `${describeInfo(info)} is a pre-release; a final release satisfies too`,
      });
    } else if (
      (byChoice !== null || (winning !== null && winning.specifier !== null)) &&
      compareVersions(info.version, chosen.version) < 0
    ) {
      rejected.push({
        path: p.path,
        reason: `${describeInfo(info)} is lower than the chosen ${chosen.version}`,
      });
    } else {
      rejected.push({
        path: p.path,
        reason: `${describeInfo(info)}: ${chosen.path} comes first in the search`,
      });
    }
  }
  return {
    python: chosen,
    rejected,
    choice: byChoice,
    ignoredChoices,
    choiceFiles: [...new Set(choiceFiles)],
  };
}

/** Probes paths with bounded parallelism, keeping their order. */
async function probeAll(
  paths: string[],
  opts: { cacheDir: string; runner?: Runner },
): Promise<Probed[]> {
  const out: Probed[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      out[i] = { path: paths[i], result: await probePython(paths[i], opts) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, paths.length) }, worker));
  return out;
}

/** The longest timer a JavaScript runtime keeps (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The selector timeout in milliseconds: PRIME_SELECTOR_TIMEOUT seconds, else 30 s.
 * Clamped to MAX_TIMER_MS: a larger timer fires at once, so a huge value would
 * time the selector out immediately instead of never.
 */
export function selectorTimeoutMs(env: Record<string, string | undefined>): number {
  const raw = env.PRIME_SELECTOR_TIMEOUT;
  const n = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
  return Math.min((n > 0 ? n : SELECTOR_TIMEOUT_SEC) * 1000, MAX_TIMER_MS);
}

/** Probes an explicitly named interpreter; a shim is first resolved to what it runs. */
async function probeExplicit(
  path: string,
  opts: { cacheDir: string; runner?: Runner; cwd?: string },
): Promise<PythonInfo | { error: string }> {
  let target = path;
  if (isShim(path)) {
    const real = await resolveShim(path, { runner: opts.runner, cwd: opts.cwd });
    if (real === null) return { error: "a version-manager shim whose interpreter is unknown" };
    log.debug(`prime: ${path} is a shim for ${real}`);
    target = real;
  }
  return await probePython(target, opts);
}

const SELECTOR_HINT =
  "make it print an interpreter path as its last line (or nothing for no opinion), or remove python_selector_file_rel_path";

/**
 * Runs the selector script. Returns the interpreter it names, or null for "no
 * opinion" (empty output).
 * @throws PythonNotFoundError (exit 4) for any failure, or an unsatisfying answer.
 */
async function runSelector(
  selector: string,
  required: RequiredPython,
  opts: SelectOptions & { env: Record<string, string | undefined> },
): Promise<PythonInfo | null> {
  const name = `python selector ${selector}`;
  const st = statOrNull(selector);
  if (st === null) {
    throw new PythonNotFoundError(`${name}: no such file`, {
      hint: "create it, or fix python_selector_file_rel_path in the configuration",
    });
  }
  if (!st.isFile) throw new PythonNotFoundError(`${name}: not a file`, { hint: SELECTOR_HINT });
  if (((st.mode ?? 0o755) & 0o111) === 0) {
    throw new PythonNotFoundError(`${name}: not executable`, { hint: `chmod +x ${selector}` });
  }
  const cwd = opts.refRoot ?? dirname(selector);
  const timeoutMs = selectorTimeoutMs(opts.env);
  const arg = required.value ?? "";
  log.debug(`prime: running ${selector} ${JSON.stringify(arg)} in ${cwd}`);
  const res = await (opts.runner ?? defaultRun)(selector, [arg], { cwd, timeoutMs });
  if (res.spawnError) {
    throw new PythonNotFoundError(`${name}: cannot run: ${res.spawnError}`, {
      hint: "check that it is executable and that its #! interpreter exists",
    });
  }
  if (res.timedOut) {
    throw new PythonNotFoundError(`${name}: timed out after ${timeoutMs / 1000} s`, {
      hint: "make it finish sooner, or raise PRIME_SELECTOR_TIMEOUT (seconds)",
    });
  }
  if (res.code !== 0) {
    const why = res.signal ? `killed by ${res.signal}` : `exit code ${res.code}`;
    throw new PythonNotFoundError(`${name}: failed: ${why}`, {
      details: tail(res, 10) || undefined,
      hint: `run it by hand to see why: cd ${cwd} && ${selector} '${arg}'`,
    });
  }
  const line = res.stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "").pop();
  if (line === undefined) {
    log.debug(`prime: ${selector} printed nothing: no opinion, searching`);
    return null;
  }
  const path = resolvePath(cwd, line);
  const shown = JSON.stringify(line.length > 120 ? line.slice(0, 117) + "..." : line);
  const pst = statOrNull(path);
  if (pst === null || !pst.isFile) {
    throw new PythonNotFoundError(
      `${name}: printed ${shown}, which is not ${pst === null ? "an existing file" : "a file"}`,
      { hint: SELECTOR_HINT },
    );
  }
  const info = await probeExplicit(path, { cacheDir: opts.cacheDir, runner: opts.runner, cwd });
  if ("error" in info) {
    throw new PythonNotFoundError(
      `${name}: printed ${shown}, which is not a usable Python: ${info.error}`,
      { hint: SELECTOR_HINT },
    );
  }
  if (!satisfiesAny(info, required.requests)) {
    throw new PythonNotFoundError(
      `${name}: chose ${path}, whose ${whyNot(info, required)} (from ${required.source})`,
      { hint: "fix the selector, or change the required Python version" },
    );
  }
  return info;
}

function installHint(required: RequiredPython): string {
  // Installing a 2.7 would not help: prime selects nothing older than MIN_PYTHON.
  if (
    required.requests.length > 0 &&
    required.requests.every((q) => admitsOnlyOlderThanMin(q.specifier))
  ) {
    return OLDER_THAN_MIN_HINT;
  }
  const r = required.requests[0];
  const v = r && /^\d+(\.\d+){0,2}t?$/.test(r.raw) ? r.raw : null;
  return v
    ? `install one (pyenv install ${v}, or uv python install ${v}), or pass --python PATH`
    : "install a matching Python (with pyenv or uv python install), or pass --python PATH";
}

/**
 * Selects the interpreter for a requirement: override, selector, then search.
 * An override path is used as is (with `satisfies` telling whether it fits); an
 * override version replaces the requirement.
 * @throws PythonNotFoundError (exit 4) when nothing satisfies (unless allowMissing),
 * when the override path is unusable, or when the selector fails.
 * @throws ConfigError (exit 3) when an override version is not a version request.
 */
export async function selectPython(
  required: RequiredPython,
  opts: SelectOptions,
): Promise<Selection> {
  const env = opts.env ?? Deno.env.toObject();
  const override = opts.override?.trim() ?? "";
  const overrideSource = opts.overrideSource ?? "--python";
  if (override !== "") {
    const st = statOrNull(override);
    if (override.includes("/") || st?.isFile) {
      const path = resolvePath(Deno.cwd(), override);
      if (st === null) {
        throw new PythonNotFoundError(`${overrideSource} ${override}: no such file`, {
          hint: "pass the path of a Python interpreter, or a version such as 3.12",
        });
      }
      const info = await probeExplicit(path, {
        cacheDir: opts.cacheDir,
        runner: opts.runner,
        cwd: opts.refRoot ?? undefined,
      });
      if ("error" in info) {
        throw new PythonNotFoundError(
          `${overrideSource} ${override}: not a usable Python: ${info.error}`,
          { hint: "pass the path of a working Python interpreter, or a version such as 3.12" },
        );
      }
      const satisfies = satisfiesAny(info, required.requests);
      log.debug(`prime: python ${info.path} (${info.version}) from ${overrideSource}`);
      return { python: info, source: "override", rejected: [], satisfies };
    }
    required = {
      requests: [requestFromSpecifier(override, overrideSource)],
      value: override,
      source: overrideSource,
    };
  } else if (opts.selector) {
    const info = await runSelector(opts.selector, required, { ...opts, env });
    if (info !== null) {
      log.debug(`prime: python ${info.path} (${info.version}) from ${opts.selector}`);
      return { python: info, source: "selector", rejected: [], satisfies: true };
    }
  }

  const discovery = await (opts.discover ?? findCandidates)(required, env);
  const probed = await probeAll(discovery.candidates, {
    cacheDir: opts.cacheDir,
    runner: opts.runner,
  });
  const picked = pickPython(required, probed, opts.choices ?? []);
  const rejected = [...discovery.rejected, ...picked.rejected];
  const chose = {
    choice: picked.choice ? { rule: picked.choice.rule, value: picked.choice.value } : null,
    ignoredChoices: picked.ignoredChoices,
    choiceFiles: picked.choiceFiles,
  };
  if (picked.python !== null) {
    log.debug(
      `prime: python ${picked.python.path} (${picked.python.version}) from the search${
        picked.choice ? `, your choice ${picked.choice.rule} = ${picked.choice.value}` : ""
      }`,
    );
    return { python: picked.python, source: "search", rejected, satisfies: true, ...chose };
  }
  if (opts.allowMissing) return { python: null, source: "search", rejected, satisfies: false };
  const details = rejected.length
    ? rejected.map((r) => `  ${r.path}: ${r.reason}`).join("\n")
    : "  (no interpreters found on PATH, in pyenv, uv, asdf or mise, or in /usr/bin and the like)";
  throw new PythonNotFoundError(
    `no interpreter satisfies ${describeRequired(required)} (from ${required.source})`,
    { details, hint: installHint(required) },
  );
}
