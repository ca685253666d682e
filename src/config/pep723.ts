/**
 * PEP 723 `# /// script` blocks, parsed to the letter of the PEP and validated:
 * `requires-python` (a PEP 440 specifier), `dependencies` (PEP 508 strings) and
 * prime's own `[tool.prime]` table. Pure.
 */
import { ConfigError } from "../core/errors.ts";
import type { Pep723Block, Pep723Tool } from "./types.ts";
import { type ScannedBlock, scanPep723 } from "../core/pep723_scan.ts";
import { parseToml } from "./toml.ts";
import { describeType, isTable, VENV_DRIVERS } from "./schema.ts";
import { hasControlChar } from "../core/paths.ts";
import { didYouMean } from "./suggest.ts";
import { isSpecifierSet, isVersion } from "../pypa/version_spec.ts";
import { checkRequirement } from "../pypa/pep508.ts";

const TOP_KEYS = ["requires-python", "dependencies", "tool"];
const TOOL_KEYS = ["install_args", "venv_driver", "python_path", "isolation"];
const OPEN = /^# \/\/\/ [a-zA-Z0-9-]+$/;

/** The 1-based script line where `key` is assigned inside the block, else the opening line. */
function lineOf(block: ScannedBlock, key: string): number {
  const k = key.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  const re = new RegExp(`^#\\s*(?:["']?(?:tool\\.)?(?:prime\\.)?["']?)?["']?${k}["']?\\s*=`);
  const i = block.lines.findIndex((l) => re.test(l));
  return i >= 0 ? block.openLine + 1 + i : block.openLine;
}

/**
 * Finds and validates the script's `# /// script` block. An unclosed block is
 * ignored with a warning, as the PEP requires; other blocks types are skipped.
 * @throws ConfigError (exit 3) for several script blocks, bad TOML or bad values.
 */
export function parsePep723(
  text: string,
  file: string,
): { block: Pep723Block | null; warnings: string[] } {
  const scan = scanPep723(text);
  const warnings = scan.unclosed
    .filter((u) => u.type === "script")
    .map((u) =>
      `${file}:${u.line}: ignored an unclosed \`# /// script\` block (no \`# ///\` line ends its comment lines)`
    );
  const scripts = scan.blocks.filter((b) => b.type === "script");
  if (scripts.length > 1) {
    throw new ConfigError(
      `${file}:${scripts[1].openLine}: a second \`# /// script\` block (the first starts at line ${
        scripts[0].openLine
      })`,
      "PEP 723 allows one script block per file; merge them",
    );
  }
  if (scripts.length === 0) return { block: null, warnings };
  const b = scripts[0];
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(b.content, file, (line, col) => {
      const src = b.lines[line - 1] ?? "";
      return [b.openLine + line, col + (src.startsWith("# ") ? 2 : 1)];
    });
  } catch (e) {
    // A starting line inside the block usually means a missing `# ///` above it.
    const nested = b.lines.findIndex((l) => OPEN.test(l));
    if (e instanceof ConfigError && nested >= 0) {
      throw new ConfigError(
        `${file}:${b.openLine + 1 + nested}: a \`${
          b.lines[nested]
        }\` line inside the script block that starts at line ${b.openLine}`,
        "close the first block with a `# ///` line before starting another",
      );
    }
    throw e;
  }
  const fail: (key: string, detail: string, hint?: string) => never = (key, detail, hint) => {
    throw new ConfigError(`${file}:${lineOf(b, key)}: script block: ${detail}`, hint);
  };
  for (const key of Object.keys(doc)) {
    // As in uv: a key PEP 723 does not define is a warning (a newer standard may add
    // one); the block still runs.
    if (!TOP_KEYS.includes(key)) {
      warnings.push(
        `${file}:${lineOf(b, key)}: script block: ignored unknown key \`${key}\`${
          didYouMean(key, TOP_KEYS)
        } (PEP 723 defines requires-python, dependencies and [tool])`,
      );
    }
  }
  let requiresPython: string | null = null;
  const rp = doc["requires-python"];
  if (rp !== undefined) {
    if (typeof rp !== "string") {
      fail("requires-python", `\`requires-python\` must be a string, found ${describeType(rp)}`);
    }
    if (!isSpecifierSet(rp)) {
      fail(
        "requires-python",
        `\`requires-python\` \`${rp}\` is not a valid PEP 440 specifier`,
        isVersion(rp)
          ? `write ">=${rp.trim()}" or "==${rp.trim()}.*"`
          : 'write a specifier such as ">=3.11"',
      );
    }
    requiresPython = rp.trim();
  }
  const dependencies: string[] = [];
  const deps = doc.dependencies;
  if (deps !== undefined) {
    if (!Array.isArray(deps)) {
      fail(
        "dependencies",
        `\`dependencies\` must be an array of strings, found ${describeType(deps)}`,
      );
    }
    deps.forEach((d, i) => {
      if (typeof d !== "string") {
        fail(
          "dependencies",
          `\`dependencies\` item ${i + 1} must be a string, found ${describeType(d)}`,
        );
      }
      const why = checkRequirement(d);
      if (why !== null) {
        fail(
          "dependencies",
          `\`dependencies\` item \`${d}\` is not a valid PEP 508 requirement: ${why}`,
        );
      }
      dependencies.push(d.trim());
    });
  }
  const tool: Pep723Tool = {};
  const toolTable = doc.tool;
  if (toolTable !== undefined) {
    if (!isTable(toolTable)) {
      fail("tool", `\`tool\` must be a table, found ${describeType(toolTable)}`);
    }
    if (toolTable.uv !== undefined) tool.uv = toolTable.uv;
    const prime = toolTable.prime;
    if (prime !== undefined) {
      if (!isTable(prime)) {
        fail("prime", `\`tool.prime\` must be a table, found ${describeType(prime)}`);
      }
      for (const [key, value] of Object.entries(prime)) {
        if (key === "venv_driver") {
          if (typeof value !== "string" || !(VENV_DRIVERS as readonly string[]).includes(value)) {
            fail(
              key,
              `\`tool.prime.venv_driver\` must be venv_uv or venv_pip, found ${
                typeof value === "string"
                  ? `\`${value}\`${didYouMean(value, VENV_DRIVERS)}`
                  : describeType(value)
              }`,
            );
          }
          tool.venv_driver = value as Pep723Tool["venv_driver"];
        } else if (key === "isolation") {
          if (value !== "imports" && value !== "strict") {
            fail(
              key,
              `\`tool.prime.isolation\` must be imports or strict, found ${
                typeof value === "string" ? `\`${value}\`` : describeType(value)
              }`,
            );
          }
          tool.isolation = value;
        } else if (key === "install_args" || key === "python_path") {
          if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
            fail(key, `\`tool.prime.${key}\` must be an array of strings`);
          }
          if (
            key === "python_path" && value.some((v: string) => v.trim() === "")
          ) {
            fail(key, "`tool.prime.python_path` items must be non-empty paths");
          }
          if (key === "python_path" && value.some((v: string) => hasControlChar(v))) {
            // A newline would start a new line of the venv's .pth file, which Python
            // runs as code when it begins with `import`.
            fail(key, "`tool.prime.python_path` items must not contain control characters");
          }
          tool[key] = [...value];
        } else {
          fail(
            key,
            `unknown key \`tool.prime.${key}\`${didYouMean(key, TOOL_KEYS)}`,
            `[tool.prime] in a script block may hold ${TOOL_KEYS.join(", ")}`,
          );
        }
      }
    }
  }
  return {
    block: { raw: b.content, requiresPython, dependencies, tool, line: b.openLine },
    warnings,
  };
}
