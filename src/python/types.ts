/** Shared shapes of interpreter discovery and selection. Pure types, no code. */
import type { PythonRequest } from "../pypa/specifier.ts";

/** The version requirement and where it came from. */
export interface RequiredPython {
  /** Alternatives in order; the first one satisfiable wins. Empty means any Python 3. */
  requests: PythonRequest[];
  /** For display: the text as written (joined with " | " for several lines), or null. */
  value: string | null;
  /** `prime.toml`, `pyproject.toml [tool.prime]`, `/abs/.python-version`, `[project].requires-python`, `PEP 723 block`, or `none`. */
  source: string;
}

/** A probed interpreter. Identity (realPath, mtimeMs, size) keys the probe cache and the stamp. */
export interface PythonInfo {
  /** The path as found (may be a symlink). */
  path: string;
  realPath: string;
  /** Full version, e.g. `3.12.1` or `3.13.0rc1`. */
  version: string;
  /** `cpython`, `pypy`, ... (sys.implementation.name). */
  implementation: string;
  freethreaded: boolean;
  mtimeMs: number;
  size: number;
}

/** A candidate that was looked at and not chosen. */
export interface Rejected {
  path: string;
  reason: string;
}

/**
 * One place where the user already chose a Python (UV_PYTHON, PYENV_VERSION,
 * `.python-version`, `.tool-versions`, mise, pyenv's global version, PATH), in the
 * order of preference of docs/DESIGN.md "The user's Python".
 */
export interface PythonChoice {
  /** The rule, as `prime info` names it: `UV_PYTHON`, `/repo/.tool-versions`, ... */
  rule: string;
  /** What it says, as written (`3.11`, `system`). */
  value: string;
  /** The versions it names: an interpreter satisfying any of them matches. */
  requests: PythonRequest[];
  /** Or the exact interpreters it names (real paths): `system`, a pyenv install. */
  paths: string[];
  /**
   * The same names in the order written. The first that names a satisfying
   * interpreter decides: pyenv, asdf and mise make the first version listed `python`
   * (`pyenv global 3.11.7 3.12.1` only adds `python3.12`). Absent: the highest named.
   */
  order?: Array<{ path: string } | { request: PythonRequest }>;
  /**
   * Files whose content or appearance decides this choice: inputs of the env when
   * this choice, or one after it, decides the interpreter.
   */
  files: string[];
}

/** A choice that did not decide, and why. */
export interface IgnoredChoice {
  rule: string;
  value: string;
  why: string;
}

/** The result of selection. */
export interface Selection {
  /** Null only when `allowMissing` was set and nothing satisfied. */
  python: PythonInfo | null;
  source: "override" | "selector" | "search" | "uv";
  rejected: Rejected[];
  /**
   * Whether `python` satisfies the requirement. Always true for the selector and the
   * search; an override path is used even when false, and the caller decides.
   */
  satisfies: boolean;
  /** The user's choice that decided among the satisfying interpreters, if one did. */
  choice?: { rule: string; value: string } | null;
  /** The user's choices consulted before it (or all, when none decided), and why not. */
  ignoredChoices?: IgnoredChoice[];
  /** Files the decision read (the consulted choices' files): inputs of the env. */
  choiceFiles?: string[];
}
