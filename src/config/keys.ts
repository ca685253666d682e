/**
 * The table of configuration keys: every key of prime.toml, [tool.prime] and
 * [env.NAME] once, with its type, default and meaning. Validation (schema.ts), the
 * simple defaults (settings.ts), the commented lines of `prime init`'s template and the
 * table of keys in docs/configuration.md are read from it; tests/unit/config/keys_test.ts
 * holds them together. Adding a key: one entry here, its field in types.ts ConfigKeys,
 * and its meaning where settings.ts resolves it. Pure.
 */
import type { ConfigKeys } from "./types.ts";

/** The TOML shape a key takes. */
export type KeyType = "string" | "list" | "list-or-all" | "table";

/** One configuration key. */
export interface ConfigKeySpec {
  name: keyof ConfigKeys;
  type: KeyType;
  /** The default in words, as docs/configuration.md shows it (Markdown); absent: `value`. */
  default?: string;
  /** The default when it is one constant value (settings.ts reads it from here). */
  value?: string | string[] | Record<string, string>;
  /** What the key is for, in one line (Markdown). */
  doc: string;
  /** An example value, as TOML: the commented line of `prime init`'s template. */
  example: string;
  /** The values a string key accepts. */
  choices?: readonly string[];
  /** Its values are paths (no NUL or control characters). */
  path?: true;
  /** Only at the top level, not in [env.NAME]. */
  topLevelOnly?: true;
}

/** Every configuration key, in the order docs and `prime init` show them. */
export const CONFIG_KEY_TABLE: readonly ConfigKeySpec[] = [
  {
    name: "required_python_version",
    type: "string",
    default:
      "`.python-version` (searched upward from the ref root), else `[project].requires-python`, else poetry's `[tool.poetry.dependencies].python`, else any Python 3",
    doc: 'the Python the repo needs: a PEP 440 specifier or a bare version ("3.11": any 3.11.x)',
    example: '"3.12"',
  },
  {
    name: "python_selector_file_rel_path",
    type: "string",
    default: "none",
    doc:
      "an executable run as `SELECTOR REQUIRED_VERSION` in the ref root; it prints an interpreter path as its last non-empty line (empty output: no opinion)",
    example: '"tools/select-python"',
    path: true,
  },
  {
    name: "venv_driver",
    type: "string",
    default: "uv when it can be had, else pip (with a one-line note saying why)",
    doc: "what builds the venv: `venv_uv` or `venv_pip`",
    example: '"venv_uv"',
    choices: ["venv_uv", "venv_pip"],
  },
  {
    name: "local_venv_dir_rel_path",
    type: "string",
    default: "`.venv`, or `.venv-NAME` for env `NAME`",
    doc: "where the venv lives, relative to the ref root",
    example: '".venv"',
    path: true,
  },
  {
    name: "requirements",
    type: "list",
    default: '`["requirements.txt"]` if it exists',
    doc: "requirements files, each installed with -r (nested -r/-c followed)",
    example: '["requirements.txt"]',
    path: true,
  },
  {
    name: "dependencies",
    type: "list",
    default: "`[]`, plus `[project].dependencies` when the root pyproject has no `[build-system]`",
    doc: "PEP 508 requirements, installed after the requirements files",
    example: '["requests>=2.31"]',
  },
  {
    name: "project_dirs",
    type: "list",
    default:
      '`["."]` when the root pyproject has `[build-system]`, or the root has `setup.py` or `setup.cfg`',
    doc: "directories installed as editable projects (with extras if given: `.[cli]`)",
    example: '["."]',
    path: true,
  },
  {
    name: "dependency_groups",
    type: "list-or-all",
    default: '`[tool.uv] default-groups`, else `["dev"]`, as uv does; `prime bundle` takes none',
    doc: 'PEP 735 groups of pyproject.toml installed by default, or `"all"`',
    example: '["dev"]',
  },
  {
    name: "extras",
    type: "list-or-all",
    value: [],
    doc:
      'the root project\'s extras (`[project.optional-dependencies]`) installed by default, or `"all"`',
    example: '["cli"]',
  },
  {
    name: "constraints_file",
    type: "string",
    default: "`constraints.txt` if it exists",
    doc: "a constraints file passed to the installer; `prime lock` pins the env's packages there",
    example: '"constraints.txt"',
    path: true,
  },
  {
    name: "install_args",
    type: "list",
    value: [],
    doc: "extra installer arguments (`--index-url`, `--find-links`, `--no-index`, ...)",
    example: '["--index-url", "https://pypi.org/simple"]',
  },
  {
    name: "python_path",
    type: "list",
    value: [],
    doc: "directories made importable in the venv (a .pth file)",
    example: '["src"]',
    path: true,
  },
  {
    name: "vars",
    type: "table",
    value: {},
    doc: "environment variables for the program",
    example: '{ APP_MODE = "development" }',
  },
  {
    name: "vars_files",
    type: "list",
    value: [],
    doc: "dotenv files read for the program, such as a git-ignored `.env` for secrets",
    example: '[".env"]',
    path: true,
  },
  {
    name: "inputs",
    type: "list",
    value: [],
    doc:
      "globs relative to the ref root (`*`, `?`, `[ab]`, `**`), like uv's `cache-keys`: every file they match is an input of the env, and a new match makes it stale",
    example: '["requirements.in", "src/**/*.c"]',
  },
  {
    name: "isolation",
    type: "string",
    value: "imports",
    doc:
      '`"imports"`: only the venv and the script\'s directory are importable; `"strict"`: `python -I`',
    example: '"strict"',
    choices: ["imports", "strict"],
  },
  {
    name: "default_env",
    type: "string",
    default: "none",
    doc: "the env used when none is picked with `--env`, `PRIME_ENV` or `prime use NAME`",
    example: '"dev"',
    topLevelOnly: true,
  },
];

/** The entry of a key. @throws Error for a name that is not in the table (a bug). */
export function configKey(name: keyof ConfigKeys): ConfigKeySpec {
  const spec = CONFIG_KEY_TABLE.find((k) => k.name === name);
  if (spec === undefined) throw new Error(`no configuration key ${name}`);
  return spec;
}

/** The default of a key as docs show it. */
function defaultDoc(k: ConfigKeySpec): string {
  if (k.value === undefined) return k.default ?? "none";
  return `\`${
    typeof k.value === "string"
      ? JSON.stringify(k.value)
      : Array.isArray(k.value)
      ? JSON.stringify(k.value)
      : "{}"
  }\``;
}

/** The commented line of `prime init`'s template for a key: `# name = example`. */
export function exampleLine(name: keyof ConfigKeys): string {
  return `# ${name} = ${configKey(name).example}`;
}

/** The table of keys for docs/configuration.md (Markdown, one row a key). */
export function keysMarkdown(): string {
  const rows = CONFIG_KEY_TABLE.map((k) =>
    `| \`${k.name}\` | ${k.type === "list-or-all" ? 'list or `"all"`' : k.type} | ${
      defaultDoc(k)
    } | ${k.doc} |`
  );
  return ["| key | type | default | what it is |", "| --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}
