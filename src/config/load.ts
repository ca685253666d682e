/**
 * Loading the configuration of a ref root: `prime.toml`, else `[tool.prime]` of
 * `pyproject.toml`, plus what prime needs from the pyproject itself.
 */
import { ConfigError, errorMessage } from "../core/errors.ts";
import type { ConfigKeys, LoadedConfig, PyProject } from "./types.ts";
import { parseToml } from "./toml.ts";
import { describeType, isTable, setOwn, validateConfig } from "./schema.ts";
import { readBoundedText } from "../core/paths.ts";
import { uvWorkspace } from "./uv_workspace.ts";

function readIfExists(path: string): Promise<string | null> {
  try {
    // A regular file of at most 1 MiB: a clone's prime.toml linked to /dev/zero or a
    // FIFO is an error, not a hang.
    return Promise.resolve(readBoundedText(path));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    if (e instanceof Deno.errors.NotFound) return Promise.resolve(null);
    if (e instanceof Deno.errors.IsADirectory) {
      throw new ConfigError(`${path} is not a file but a directory`, "rename or remove it");
    }
    const why = errorMessage(e);
    throw new ConfigError(`cannot read ${path}: ${why}`, "check the file's permissions");
  }
}

/**
 * Extracts [project], [build-system] and [dependency-groups] from a parsed pyproject.
 * @throws ConfigError when those tables have the wrong shape.
 */
export function readPyProject(doc: Record<string, unknown>, path: string): PyProject {
  const fail = (table: string, detail: string): never => {
    throw new ConfigError(`${path}: [${table}] ${detail}`);
  };
  const out: PyProject = {
    path,
    dependencies: [],
    hasBuildSystem: false,
    dependencyGroups: {},
  };
  const project = doc.project;
  if (project !== undefined) {
    if (!isTable(project)) fail("project", `must be a table, found ${describeType(project)}`);
    const p = project as Record<string, unknown>;
    if (p.name !== undefined) {
      if (typeof p.name !== "string") fail("project", "`name` must be a string");
      out.name = p.name as string;
    }
    if (p["requires-python"] !== undefined) {
      if (typeof p["requires-python"] !== "string") {
        fail("project", "`requires-python` must be a string");
      }
      out.requiresPython = p["requires-python"] as string;
    }
    if (p.dependencies !== undefined) {
      const deps = p.dependencies;
      if (!Array.isArray(deps) || deps.some((d) => typeof d !== "string")) {
        fail("project", "`dependencies` must be an array of strings");
      }
      out.dependencies = [...(deps as string[])];
    }
    const optional = p["optional-dependencies"];
    if (optional !== undefined) {
      if (!isTable(optional)) fail("project", "`optional-dependencies` must be a table");
      out.optionalDependencies = {};
      for (const [name, items] of Object.entries(optional as Record<string, unknown>)) {
        if (!Array.isArray(items) || items.some((d) => typeof d !== "string")) {
          fail("project", `\`optional-dependencies.${name}\` must be an array of strings`);
        }
        setOwn(out.optionalDependencies!, name, [...(items as string[])]);
      }
    }
  }
  if (doc["build-system"] !== undefined) {
    if (!isTable(doc["build-system"])) fail("build-system", "must be a table");
    out.hasBuildSystem = true;
  }
  const ws = uvWorkspace(doc);
  if (ws) out.uvWorkspace = ws;
  const groups = doc["dependency-groups"];
  if (groups !== undefined) {
    if (!isTable(groups)) {
      fail("dependency-groups", `must be a table, found ${describeType(groups)}`);
    }
    for (const [name, items] of Object.entries(groups as Record<string, unknown>)) {
      if (!Array.isArray(items)) fail("dependency-groups", `\`${name}\` must be an array`);
      const list: Array<string | { "include-group": string }> = [];
      for (const item of items as unknown[]) {
        if (typeof item === "string") list.push(item);
        else if (
          isTable(item) && Object.keys(item).length === 1 &&
          typeof item["include-group"] === "string"
        ) {
          list.push({ "include-group": item["include-group"] });
        } else {
          fail(
            "dependency-groups",
            `\`${name}\` items must be requirement strings or {include-group = "NAME"} tables`,
          );
        }
      }
      setOwn(out.dependencyGroups, name, list);
    }
  }
  readToolUvGroups(doc, out);
  const poetryDeps = isTable(doc.tool) && isTable(doc.tool.poetry)
    ? doc.tool.poetry.dependencies
    : undefined;
  if (isTable(poetryDeps) && typeof poetryDeps.python === "string") {
    out.poetryPython = poetryDeps.python;
  }
  return out;
}

/**
 * `[tool.uv] default-groups` (a list, or "all") and the legacy `[tool.uv]
 * dev-dependencies`, which uv adds to the `dev` group.
 * @throws ConfigError for values uv refuses too.
 */
function readToolUvGroups(doc: Record<string, unknown>, out: PyProject): void {
  const tool = doc.tool;
  const uv = isTable(tool) ? tool.uv : undefined;
  if (!isTable(uv)) return;
  const where = `${out.path}: [tool.uv]`;
  const dg = uv["default-groups"];
  if (dg !== undefined) {
    if (dg === "all") out.uvDefaultGroups = "all";
    else if (Array.isArray(dg) && dg.every((g) => typeof g === "string")) {
      out.uvDefaultGroups = [...dg];
    } else {
      throw new ConfigError(
        `${where} \`default-groups\` must be a list of group names or "all", found ${
          describeType(dg)
        }`,
      );
    }
  }
  const dev = uv["dev-dependencies"];
  if (dev !== undefined) {
    if (!Array.isArray(dev) || dev.some((d) => typeof d !== "string")) {
      throw new ConfigError(`${where} \`dev-dependencies\` must be an array of strings`);
    }
    const key = Object.keys(out.dependencyGroups).find((k) =>
      k.replace(/[-_.]+/g, "-").toLowerCase() === "dev"
    );
    if (key === undefined) setOwn(out.dependencyGroups, "dev", [...dev]);
    else out.dependencyGroups[key] = [...out.dependencyGroups[key], ...dev];
  }
}

/**
 * Loads the configuration of `refRoot`. prime.toml wins over `[tool.prime]`; when
 * both exist, `[tool.prime]` is ignored with a warning (as uv does for uv.toml).
 * @throws ConfigError (exit 3) for unreadable files, TOML syntax errors (`file:line:col`)
 * and invalid keys.
 */
export async function loadConfig(refRoot: string): Promise<LoadedConfig> {
  const primePath = `${refRoot}/prime.toml`;
  const pyPath = `${refRoot}/pyproject.toml`;
  const [primeText, pyText] = await Promise.all([readIfExists(primePath), readIfExists(pyPath)]);
  const warnings: string[] = [];
  let pyproject: PyProject | null = null;
  let toolPrime: unknown = undefined;
  if (pyText !== null) {
    const doc = parseToml(pyText, pyPath);
    pyproject = readPyProject(doc, pyPath);
    const tool = doc.tool;
    if (tool !== undefined && isTable(tool)) toolPrime = tool.prime;
  }
  let configFiles: string[] = [];
  let base: ConfigKeys = {};
  let envs: Record<string, ConfigKeys> = {};
  if (primeText !== null) {
    ({ base, envs } = validateConfig(parseToml(primeText, primePath), {
      file: primePath,
      table: "",
    }));
    configFiles = [primePath];
    if (toolPrime !== undefined) {
      warnings.push(
        `${pyPath}: [tool.prime] is ignored because ${primePath} exists; keep prime's settings in one place`,
      );
    }
  } else if (toolPrime !== undefined) {
    ({ base, envs } = validateConfig(toolPrime, { file: pyPath, table: "tool.prime" }));
    configFiles = [pyPath];
  }
  return { refRoot, configFiles, base, envs, pyproject, warnings, read: [primePath, pyPath] };
}
