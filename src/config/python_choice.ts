/**
 * The Pythons the user already chose, outside prime: uv's and pyenv's variables, the
 * version files of pyenv, asdf and mise, pyenv's global version, and the python3 on
 * PATH, in the order of docs/DESIGN.md "The user's Python". Selection prefers, among
 * the interpreters that satisfy the requirement, the first choice that names one of
 * them. Reads files (bounded), runs nothing.
 */
import type { PythonChoice } from "../python/types.ts";
import type { PythonRequest } from "../pypa/specifier.ts";
import { parsePythonRequest } from "../python/python_version.ts";
import { readBoundedText } from "../core/paths.ts";
import {
  isExecutableFile,
  joinPath,
  listedIsFile,
  parentDir,
  readDirOrEmpty,
} from "../core/files.ts";
import { compareVersions } from "../pypa/specifier.ts";
import { parseToml } from "./toml.ts";

/** The environment the choices are read from. */
export type ChoiceEnv = Record<string, string | undefined>;

/** pyenv's root: $PYENV_ROOT, else ~/.pyenv (null when neither can be named). */
function pyenvRoot(env: ChoiceEnv): string | null {
  const r = env.PYENV_ROOT || (env.HOME ? joinPath(env.HOME, ".pyenv") : null);
  return r ? r.replace(/\/+$/, "") : null;
}

/**
 * The file system as one readPythonChoices() sees it: each path is looked at once
 * (pyenv's global version and its installs are named by several choices), and a
 * missing version file is told by its directory's listing, not by a stat that throws.
 */
class Looks {
  /** isFile(), by listings (see listedIsFile). */
  readonly isFile = listedIsFile();
  readonly #exec = new Map<string, boolean>();
  readonly #real = new Map<string, string | null>();
  readonly #global = new Map<string, string[] | null>();

  isExecutable(p: string): boolean {
    let v = this.#exec.get(p);
    if (v === undefined) this.#exec.set(p, v = isExecutableFile(p));
    return v;
  }

  realPath(p: string): string | null {
    let v = this.#real.get(p);
    if (v === undefined) {
      try {
        v = Deno.realPathSync(p);
      } catch {
        v = null;
      }
      this.#real.set(p, v);
    }
    return v;
  }

  /** The versions in pyenv's global version file, or null when it has none. */
  pyenvGlobal(root: string): string[] | null {
    let v = this.#global.get(root);
    if (v === undefined) this.#global.set(root, v = readPyenvGlobal(root));
    return v;
  }
}

/**
 * The Python on PATH outside every version manager: what pyenv's `system` means. The
 * first python3 (then python) in a PATH directory that is not a shims directory.
 */
function systemPython(env: ChoiceEnv, looks: Looks): string | null {
  const dirs = (env.PATH ?? "").split(":").filter((d) => d.startsWith("/"));
  for (const name of ["python3", "python"]) {
    for (const d of dirs) {
      if (/\/shims\/?$/.test(d)) continue;
      const p = joinPath(d, name);
      if (looks.isExecutable(p)) return looks.realPath(p);
    }
  }
  return null;
}

/**
 * The first python3 on PATH, as a shell would run it. A pyenv shim counts as the
 * version pyenv would run (PYENV_VERSION, else its global version); other shims, and a
 * pyenv shim for `system`, are passed over for the next entry.
 */
function firstPathPython(env: ChoiceEnv, looks: Looks): string | null {
  const root = pyenvRoot(env);
  for (const d of (env.PATH ?? "").split(":").filter((x) => x.startsWith("/"))) {
    const p = joinPath(d, "python3");
    if (!looks.isExecutable(p)) continue;
    if (/\/shims\/?$/.test(d)) {
      if (root === null || d.replace(/\/+$/, "") !== `${root}/shims`) continue;
      const names = env.PYENV_VERSION || looks.pyenvGlobal(root)?.join(":") || "";
      const hit = names.split(":").map((n) => pyenvInstall(root, n.trim(), looks)).find((x) => x);
      if (hit) return hit.path;
      continue;
    }
    return looks.realPath(p);
  }
  return null;
}

/** The versions in pyenv's global version file, or null when it has none. */
function readPyenvGlobal(root: string): string[] | null {
  try {
    const words = readBoundedText(`${root}/version`, { limit: 4096 }).split(/\s+/)
      .filter((w) => w && !w.startsWith("#"));
    return words.length ? words : null;
  } catch {
    return null;
  }
}

/**
 * The interpreter (real path) of a pyenv version name: the install or env of that name
 * (pyenvEnvPython), else the newest install it is a prefix of (`3.11` -> `3.11.7`), as
 * pyenv resolves it.
 */
function pyenvInstall(
  root: string,
  name: string,
  looks: Looks,
): { path: string; files: string[] } | null {
  if (!name || name === "system" || name.startsWith(".")) return null;
  const exact = pyenvEnvPython(root, name, looks);
  if (exact || name.includes("/")) return exact;
  const matches = readDirOrEmpty(`${root}/versions`).map((e) => e.name)
    .filter((d) => d.startsWith(`${name}.`) && /^\d+(\.\d+)*$/.test(d))
    .sort(compareVersions).reverse();
  for (const m of matches) {
    const hit = pyenvEnvPython(root, m, looks);
    if (hit) return hit;
  }
  return null;
}

/**
 * The interpreter a pyenv version name that is no version request runs: a
 * pyenv-virtualenv env (`myproj-3.12`, `3.12.1/envs/myproj`) or any other directory
 * under `$PYENV_ROOT/versions` (a conda env, `miniconda3-latest`). For a venv, its base
 * interpreter (real path), since a venv is never built on another, with its
 * `pyvenv.cfg`, whose rewrite (the env made again on another Python) changes the
 * answer; for the rest, its own `bin/python3`. Null when the name names nothing.
 */
export function pyenvEnvPython(
  root: string,
  name: string,
  looks: { isExecutable(p: string): boolean; realPath(p: string): string | null } = new Looks(),
): { path: string; files: string[] } | null {
  if (!name || name.startsWith("/") || name.split("/").some((s) => s === "" || s === "..")) {
    return null;
  }
  const dir = `${root}/versions/${name}`;
  const bin = [`${dir}/bin/python3`, `${dir}/bin/python`].find((b) => looks.isExecutable(b));
  const real = bin ? looks.realPath(bin) : null;
  if (!real) return null;
  const cfg = `${dir}/pyvenv.cfg`;
  const cfgText = readText(cfg);
  if (cfgText === null) return { path: real, files: [] };
  const realDir = looks.realPath(dir);
  if (realDir === null || !real.startsWith(`${realDir}/`)) return { path: real, files: [cfg] };
  // A venv made with copies: its `home` names the base interpreter's directory.
  const home = /^\s*home\s*=\s*(\/.*?)\s*$/m.exec(cfgText)?.[1];
  const base = home
    ? [`${home}/python3`, `${home}/python`].find((b) => looks.isExecutable(b))
    : undefined;
  const baseReal = base ? looks.realPath(base) : null;
  return baseReal ? { path: baseReal, files: [cfg] } : null;
}

/**
 * Whether a word of a `.python-version` names an interpreter rather than a version:
 * pyenv's `system`, or a pyenv environment (pyenvEnvPython). Such a word is a choice,
 * not a requirement.
 */
export function namesPyenvInterpreter(word: string, env: ChoiceEnv): boolean {
  if (word === "system") return true;
  const root = pyenvRoot(env);
  return root !== null && pyenvEnvPython(root, word) !== null;
}

/**
 * A choice from version words (`3.11`, `system`, `pypy3.10`). `pyenv`: how pyenv's
 * names are read. "installs" (pyenv's own variable and global file): a name is first
 * the pyenv install it names (`3.11` -> `3.11.7`), then an env; "envs" (a
 * `.python-version`, which uv reads too): a version is a request, and only a word that
 * is none can name a pyenv env; null: no pyenv names.
 */
function choiceOf(
  rule: string,
  words: string[],
  files: string[],
  env: ChoiceEnv,
  pyenv: "installs" | "envs" | null,
  looks: Looks,
): PythonChoice | null {
  const requests: PythonRequest[] = [];
  const paths: string[] = [];
  const order: NonNullable<PythonChoice["order"]> = [];
  const addPath = (p: string) => {
    paths.push(p);
    order.push({ path: p });
  };
  const root = pyenvRoot(env);
  const found = [...files];
  for (const w of words) {
    if (w === "system") {
      const sys = systemPython(env, looks);
      if (sys) addPath(sys);
      continue;
    }
    const named = pyenv === "installs" && root
      ? pyenvInstall(root, w, looks)
      : pyenv === "envs" && root && parsePythonRequest(w) === null
      ? pyenvEnvPython(root, w, looks)
      : null;
    if (named) {
      addPath(named.path);
      found.push(...named.files);
      continue;
    }
    if (w.includes("/")) {
      const real = looks.realPath(w);
      if (real) addPath(real);
      continue;
    }
    const req = parsePythonRequest(w);
    if (req) {
      requests.push(req);
      order.push({ request: req });
    }
  }
  if (words.length === 0) return null;
  return { rule, value: words.join(" "), requests, paths, files: found, order };
}

/** The nearest `name` in `from` or above, and every path looked at up to it. */
function trail(
  from: string,
  names: string[],
  looks: Looks,
): { found: string | null; checked: string[] } {
  const checked: string[] = [];
  let dir: string | null = from.length > 1 ? from.replace(/\/+$/, "") : from;
  while (dir !== null) {
    for (const n of names) {
      const p = `${dir === "/" ? "" : dir}/${n}`;
      checked.push(p);
      if (looks.isFile(p)) return { found: p, checked };
    }
    dir = parentDir(dir);
  }
  return { found: null, checked };
}

/** The words of a `.python-version` (comments and blank lines skipped). */
function pythonVersionWords(text: string): string[] {
  return text.replace(/^\uFEFF/, "").split("\n").flatMap((l) => {
    const line = l.replace(/#.*$/, "").trim();
    if (!line) return [];
    // A specifier line (`>=3.10, <3.13`) is one request.
    return /[<>=!~,]/.test(line) ? [line] : line.split(/\s+/);
  });
}

/** The python versions of an asdf `.tool-versions` (`python 3.11.7 3.12.1`). */
export function toolVersionsWords(text: string): string[] {
  for (const l of text.split("\n")) {
    const words = l.replace(/#.*$/, "").trim().split(/\s+/);
    if (words[0] === "python") return words.slice(1).filter((w) => !/^(ref|path):/.test(w));
  }
  return [];
}

/** The python versions of a mise config (`[tools] python = "3.11"`, a list, or `{ version }`). */
export function miseWords(doc: Record<string, unknown>): string[] {
  const tools = doc.tools as Record<string, unknown> | undefined;
  const v = tools?.python;
  const one = (x: unknown): string[] => {
    if (typeof x === "string") return x.split(/\s+/).filter(Boolean);
    if (x && typeof x === "object" && typeof (x as { version?: unknown }).version === "string") {
      return [(x as { version: string }).version];
    }
    return [];
  };
  // `latest` asks for the newest, which is what prime picks with no choice anyway.
  return (Array.isArray(v) ? v.flatMap(one) : one(v)).filter((w) =>
    w !== "latest" && !/^(ref|path|prefix|sub-\d+):/.test(w)
  );
}

/** A source that names nothing now: only its files (their appearing would) count. */
function absent(rule: string, files: string[]): PythonChoice {
  return { rule, value: "", requests: [], paths: [], files };
}

/**
 * Whether looking `path` up is refused: a directory on its path is closed to this user
 * (another user's HOME, mode 0700). Its own lstat, not one of `dir/.`: Deno's
 * permission layer normalizes that to `dir`, which any user may look up.
 */
function lookupDenied(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return false;
  } catch (e) {
    return e instanceof Deno.errors.PermissionDenied;
  }
}

function readText(path: string): string | null {
  try {
    return readBoundedText(path, { limit: 64 * 1024 });
  } catch {
    return null;
  }
}

/**
 * The user's choices for a project whose configuration starts at `startDir` (null: no
 * project), in preference order. --python/PRIME_PYTHON is not among them: it replaces
 * the requirement before any choice is looked at.
 */
export function readPythonChoices(startDir: string | null, env: ChoiceEnv): PythonChoice[] {
  const out: PythonChoice[] = [];
  const push = (c: PythonChoice | null) => c && out.push(c);
  const looks = new Looks();
  const uvPython = env.UV_PYTHON?.trim();
  if (uvPython) push(choiceOf("UV_PYTHON", [uvPython], [], env, null, looks));
  const pyenvVersion = env.PYENV_VERSION?.trim();
  if (pyenvVersion) {
    push(
      choiceOf(
        "PYENV_VERSION",
        pyenvVersion.split(":").filter(Boolean),
        [],
        env,
        "installs",
        looks,
      ),
    );
  }
  const home = env.HOME?.replace(/\/+$/, "") || null;
  if (startDir !== null) {
    const pv = trail(startDir, [".python-version"], looks);
    const pvText = pv.found ? readText(pv.found) : null;
    out.push(
      (pvText === null
        ? null
        : choiceOf(pv.found!, pythonVersionWords(pvText), pv.checked, env, "envs", looks)) ??
        absent(".python-version", pv.checked),
    );
    // asdf looks up from the directory, then in HOME.
    const tv = trail(startDir, [".tool-versions"], looks);
    // In a HOME closed to this user (another user's, kept by `sudo -u` without -H) no
    // file this user's asdf could read: not an input, or hashing it is EACCES, exit 3.
    const homeTv = home && !lookupDenied(`${home}/.tool-versions`)
      ? `${home}/.tool-versions`
      : null;
    const tvFile = tv.found ?? (homeTv && looks.isFile(homeTv) ? homeTv : null);
    const tvFiles = tv.found || !homeTv ? tv.checked : [...tv.checked, homeTv];
    const tvText = tvFile ? readText(tvFile) : null;
    out.push(
      (tvText !== null
        ? choiceOf(tvFile!, toolVersionsWords(tvText), tvFiles, env, null, looks)
        : null) ??
        absent(".tool-versions", tvFiles),
    );
    const mise = trail(startDir, ["mise.toml", ".mise.toml"], looks);
    let miseChoice: PythonChoice | null = null;
    const miseText = mise.found ? readText(mise.found) : null;
    if (miseText !== null) {
      try {
        miseChoice = choiceOf(
          mise.found!,
          miseWords(parseToml(miseText, mise.found!)),
          mise.checked,
          env,
          null,
          looks,
        );
      } catch { /* not valid TOML: mise reports its own file's errors */ }
    }
    out.push(miseChoice ?? absent("mise.toml", mise.checked));
  }
  const root = pyenvRoot(env);
  if (
    root !== null && (looks.isFile(`${root}/version`) || looks.isExecutable(`${root}/bin/pyenv`))
  ) {
    const file = `${root}/version`;
    const words = looks.pyenvGlobal(root);
    const rule = `pyenv global ${file}`;
    out.push(
      (words ? choiceOf(rule, words, [file], env, "installs", looks) : null) ??
        absent(rule, [file]),
    );
  }
  const first = firstPathPython(env, looks);
  if (first) {
    out.push({
      rule: "the first python3 on PATH",
      value: first,
      requests: [],
      paths: [first],
      files: [],
    });
  }
  return out;
}
