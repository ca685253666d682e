/**
 * `prime init`: writes a commented starter prime.toml in the start directory, shaped
 * by what is already there (.python-version, pyproject.toml, requirements.txt). It
 * never overwrites: an existing prime.toml (or a [tool.prime] table) is a
 * configuration error (exit 3) and nothing is touched.
 */
import type { GlobalOptions } from "../core/invocation.ts";
import type { PyProject } from "../config/types.ts";
import { findPythonVersionFileTrail } from "../core/python_version_scan.ts";
import { findRefRoot } from "../core/ref_root.ts";
import { readPyProject } from "../config/load.ts";
import { parseToml } from "../config/toml.ts";
import { isTable } from "../config/schema.ts";
import { exampleLine } from "../config/keys.ts";
import { ConfigError, errorMessage } from "../core/errors.ts";
import * as log from "../log.ts";
import { isFile } from "../core/files.ts";
import { readBoundedText } from "../core/paths.ts";

/** What init found in the directory. */
export interface InitFacts {
  /** The .python-version that applies (relative for display), with its first line. */
  pythonVersion: { file: string; first: string | null } | null;
  pyproject: PyProject | null;
  requirementsTxt: boolean;
  /** Extra requirements files worth suggesting for a dev env. */
  devRequirements: string[];
}

const DEV_REQUIREMENTS = ["requirements-dev.txt", "dev-requirements.txt", "requirements/dev.txt"];

function q(s: string): string {
  return JSON.stringify(s);
}

/** The starter prime.toml text: every configuration key, commented, with its meaning. Pure. */
export function renderStarterConfig(f: InitFacts): string {
  const out: string[] = [];
  const add = (...lines: string[]) => out.push(...lines);
  add(
    "# prime.toml: how prime builds this repository's Python environment.",
    "# Every key is optional; a commented line shows the key and an example.",
    "# `prime info` explains what prime decided, and from where.",
    "",
    '# The Python this repo needs: a PEP 440 specifier (">=3.10,<3.13", "~=3.12") or a',
    '# bare version ("3.11" means any 3.11.x, "3.11.7" exactly that).',
  );
  const rp = f.pyproject?.requiresPython;
  if (f.pythonVersion) {
    const first = f.pythonVersion.first ? ` (${f.pythonVersion.first})` : "";
    add(
      `# Left unset: it is read from ${f.pythonVersion.file}${first}; setting it here wins.`,
      `# required_python_version = ${q(f.pythonVersion.first ?? "3.12")}`,
    );
  } else if (rp !== undefined) {
    add(
      `# Left unset: it is read from [project].requires-python in pyproject.toml (${rp}).`,
      `# required_python_version = ${q(rp)}`,
    );
  } else {
    add(
      "# Default: .python-version (searched upward), else [project].requires-python, else",
      "# any Python 3.",
      '# required_python_version = "3.12"',
    );
  }
  add(
    "",
    "# An executable, relative to this directory, run as `SELECTOR REQUIRED_VERSION`. It",
    "# prints an interpreter path as its last line; empty output means no opinion.",
    exampleLine("python_selector_file_rel_path"),
    "",
    "# venv_uv or venv_pip. Default: uv when it can be had, else venv and pip.",
    exampleLine("venv_driver"),
    "",
    "# Where the venv lives. Default: .venv, or .venv-NAME for env NAME.",
    exampleLine("local_venv_dir_rel_path"),
    "",
    "# Requirements files, each installed with -r. Default: requirements.txt if it exists.",
  );
  if (f.requirementsTxt) add('requirements = ["requirements.txt"]');
  else add('# requirements = ["requirements.txt"]');
  add(
    "",
    "# PEP 508 requirements, installed after the requirements files.",
    exampleLine("dependencies"),
    "",
    '# Directories installed as editable projects. Default: ["."] when pyproject.toml has',
    "# [build-system]; without one, its [project].dependencies are installed instead.",
  );
  if (f.pyproject?.hasBuildSystem) {
    add("# pyproject.toml has [build-system], so this directory is installed as a project.");
  } else if (f.pyproject && f.pyproject.dependencies.length > 0) {
    add(
      "# pyproject.toml has no [build-system], so its [project].dependencies are installed.",
    );
  }
  add(exampleLine("project_dirs"), "");
  const groups = Object.keys(f.pyproject?.dependencyGroups ?? {});
  add(
    "# PEP 735 dependency groups (pyproject.toml [dependency-groups]) installed by default,",
    '# or "all". Default: [tool.uv] default-groups, else "dev", as uv does; `prime bundle`',
    "# takes none. --group, --only-group, --no-dev, --no-default-groups change it per run.",
  );
  if (groups.length > 0) add(`# pyproject.toml defines: ${groups.join(", ")}.`);
  add(`# dependency_groups = [${q(groups[0] ?? "dev")}]`, "");
  const extras = Object.keys(f.pyproject?.optionalDependencies ?? {});
  add(
    "# The project's extras ([project.optional-dependencies]) installed by default, or",
    '# "all". Default: none; --extra and --all-extras add to them per run.',
  );
  if (extras.length > 0) add(`# pyproject.toml defines: ${extras.join(", ")}.`);
  add(
    `# extras = [${q(extras[0] ?? "cli")}]`,
    "",
    "# A constraints file passed to the installer. Default: constraints.txt if it exists.",
    "# `prime lock` pins the env's packages there.",
    exampleLine("constraints_file"),
    "",
    "# Extra installer arguments (--index-url, --find-links, --no-index, ...).",
    exampleLine("install_args"),
    "",
    "# Directories, relative to this one, made importable in the venv (a .pth file).",
    exampleLine("python_path"),
    "",
    "# Environment variables for the program.",
    exampleLine("vars"),
    "",
    "# dotenv files read for the program, such as a git-ignored .env for secrets.",
    exampleLine("vars_files"),
    "",
    "# Files prime cannot know shape the env (globs): a requirements.in that setuptools",
    "# reads, C sources of an in-place extension. A change to any rebuilds it.",
    exampleLine("inputs"),
    "",
    '# "imports" (the default): only the venv and the script\'s own directory are',
    '# importable, while PYTHONUNBUFFERED and other runtime settings pass. "strict": python -I.',
    exampleLine("isolation"),
    "",
    "# The env used when none is picked with --env, PRIME_ENV or `prime use NAME`.",
    exampleLine("default_env"),
    "",
    "# An env: a table holding any keys above; they replace the base values for that",
    "# env, which gets its own venv (.venv-dev). Pick it with `prime use dev`.",
    "# [env.dev]",
  );
  if (f.devRequirements.length > 0) {
    const reqs = [...(f.requirementsTxt ? ["requirements.txt"] : []), ...f.devRequirements];
    add(`# requirements = [${reqs.map(q).join(", ")}]`);
  } else if (groups.length > 0) add(`# dependency_groups = [${q(groups[0])}]`);
  else add('# dependencies = ["pytest"]');
  return out.join("\n") + "\n";
}

function readPyproject(dir: string): { pyproject: PyProject | null; toolPrime: boolean } {
  const path = `${dir}/pyproject.toml`;
  let text: string;
  try {
    text = readBoundedText(path);
  } catch {
    return { pyproject: null, toolPrime: false };
  }
  try {
    const doc = parseToml(text, path);
    const tool = doc.tool;
    return {
      pyproject: readPyProject(doc, path),
      toolPrime: isTable(tool) && tool.prime !== undefined,
    };
  } catch (e) {
    log.warn(`${errorMessage(e)} (the starter prime.toml ignores pyproject.toml)`);
    return { pyproject: null, toolPrime: false };
  }
}

/** Creates `path` with `text` atomically, failing if it exists (no window where it is partial). */
export function createExclusive(path: string, text: string): void {
  const tmp = `${path}.tmp-${Deno.pid}-${Math.random().toString(36).slice(2)}`;
  Deno.writeTextFileSync(tmp, text, { createNew: true, mode: 0o644 });
  try {
    // link(2) refuses an existing target, so a racing writer is never overwritten.
    Deno.linkSync(tmp, path);
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) throw e;
    // No hard links here (some network or FUSE file systems): exclusive create instead.
    Deno.writeTextFileSync(path, text, { createNew: true, mode: 0o644 });
  } finally {
    try {
      Deno.removeSync(tmp);
    } catch { /* already gone */ }
  }
}

function alreadyConfigured(path: string, what: string): ConfigError {
  return new ConfigError(
    `${path} already ${what}: prime init never overwrites a configuration`,
    "edit it instead (see `prime info` for what prime decided)",
  );
}

/** Writes a starter prime.toml in the start directory. */
export async function initCommand(_o: GlobalOptions, startDir: string): Promise<number> {
  const dir = Deno.realPathSync(startDir);
  const target = `${dir}/prime.toml`;
  try {
    Deno.lstatSync(target);
    throw alreadyConfigured(target, "exists");
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const { pyproject, toolPrime } = readPyproject(dir);
  if (toolPrime) throw alreadyConfigured(`${dir}/pyproject.toml`, "has a [tool.prime] table");

  const pvFile = findPythonVersionFileTrail(dir).path;
  let pythonVersion: InitFacts["pythonVersion"] = null;
  if (pvFile !== null) {
    let first: string | null = null;
    try {
      first = readBoundedText(pvFile).split(/\r?\n/).map((l) => l.replace(/#.*/, "").trim())
        .find((l) => l !== "") ?? null;
    } catch { /* unreadable: prime will say so when it reads it */ }
    const shown = pvFile === `${dir}/.python-version` ? ".python-version" : pvFile;
    pythonVersion = { file: shown, first };
  }
  const facts: InitFacts = {
    pythonVersion,
    pyproject,
    requirementsTxt: isFile(`${dir}/requirements.txt`),
    devRequirements: DEV_REQUIREMENTS.filter((r) => isFile(`${dir}/${r}`)),
  };
  const previousRoot = await findRefRoot(dir);
  try {
    createExclusive(target, renderStarterConfig(facts));
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) throw alreadyConfigured(target, "exists");
    throw new ConfigError(
      `cannot write ${target}: ${errorMessage(e)}`,
      "check the directory's permissions",
    );
  }
  const found = [
    ...(pythonVersion ? [pythonVersion.file] : []),
    ...(pyproject ? ["pyproject.toml"] : []),
    ...(facts.requirementsTxt ? ["requirements.txt"] : []),
    ...facts.devRequirements,
  ];
  log.info(
    `prime: wrote ${target}` + (found.length > 0 ? ` (based on ${found.join(", ")})` : ""),
  );
  if (previousRoot !== null && previousRoot !== dir) {
    log.info(`prime: note: ${dir} is now its own ref root; until now it used ${previousRoot}`);
  }
  // No .gitignore advice: the venv directories and .prime/ each hold a .gitignore of
  // `*`, so git never lists them (docs/DESIGN.md "`.venv` as git ... sees it").
  log.info("prime: next, run `prime` to build the venv, or `prime info` to see the decisions");
  return 0;
}
