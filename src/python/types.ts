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
}
