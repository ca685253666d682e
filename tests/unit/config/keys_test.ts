import assert from "node:assert/strict";
import { CONFIG_KEY_TABLE, exampleLine, keysMarkdown } from "../../../src/config/keys.ts";
import { CONFIG_KEYS, validateConfig, validateConfigKeys } from "../../../src/config/schema.ts";
import { defaultSettings } from "../../../src/config/settings.ts";
import { parseToml } from "../../../src/config/toml.ts";
import { type InitFacts, renderStarterConfig } from "../../../src/commands/init.ts";
import { withKeysTable } from "../../../scripts/config_keys_doc.ts";
import { ConfigError } from "../../../src/core/errors.ts";

const WHERE = { file: "prime.toml", table: "" };

Deno.test("validation accepts each key of the table with its example value, and no other key", () => {
  assert.deepEqual([...CONFIG_KEYS], CONFIG_KEY_TABLE.map((k) => k.name));
  for (const k of CONFIG_KEY_TABLE) {
    const raw = parseToml(`${k.name} = ${k.example}\n`, "prime.toml");
    const keys = validateConfigKeys(raw, WHERE) as Record<string, unknown>;
    assert.deepEqual(JSON.stringify(keys[k.name]), JSON.stringify(raw[k.name]), k.name);
    if (k.topLevelOnly) {
      assert.throws(() => validateConfigKeys(raw, WHERE, { isEnv: true }), ConfigError, k.name);
    }
    for (const bad of k.choices ? ['"nosuch"'] : []) {
      assert.throws(() => validateConfigKeys(parseToml(`${k.name} = ${bad}`, "p"), WHERE), k.name);
    }
  }
  assert.throws(() => validateConfigKeys({ nosuch_key: "x" }, WHERE), /unknown key `nosuch_key`/);
});

Deno.test("the defaults settings.ts starts from are the table's constant defaults", () => {
  const s = defaultSettings("/r", "/r/.venv") as unknown as Record<string, unknown>;
  const field: Record<string, string> = {
    install_args: "installArgs",
    python_path: "pythonPath",
    vars: "vars",
    vars_files: "varsFiles",
    isolation: "isolation",
  };
  for (const k of CONFIG_KEY_TABLE) {
    if (k.value === undefined || field[k.name] === undefined) continue;
    assert.deepEqual(s[field[k.name]], k.value, k.name);
  }
});

Deno.test("prime init's template shows every key of the table, and reads back as valid configuration", () => {
  const none: InitFacts = {
    pythonVersion: null,
    pyproject: null,
    requirementsTxt: false,
    devRequirements: [],
  };
  const text = renderStarterConfig(none);
  for (const k of CONFIG_KEY_TABLE) {
    assert.match(text, new RegExp(`^# ${k.name} = `, "m"), k.name);
  }
  assert.ok(text.includes(exampleLine("isolation")));
  const uncommented = text.split("\n").map((l) => l.replace(/^# (?=[a-z_]+ = )/, "")).filter((l) =>
    !l.startsWith("#") && !l.startsWith("[")
  );
  // The commented examples, uncommented, are themselves valid (the last of a repeated key wins).
  const seen = new Map<string, string>();
  for (const l of uncommented) if (l.includes(" = ")) seen.set(l.split(" = ")[0], l);
  seen.delete("default_env");
  validateConfig(parseToml([...seen.values()].join("\n"), "prime.toml"), WHERE);
});

/** A Markdown table's rows with their cells trimmed (deno fmt pads them). */
function normalize(table: string): string[] {
  return table.trim().split("\n").map((row) =>
    row.split("|").map((c) => c.trim().replace(/^-+$/, "-")).join("|")
  );
}

Deno.test("docs/configuration.md's table of keys is the one the table renders (scripts/config_keys_doc.ts)", () => {
  const page = Deno.readTextFileSync(new URL("../../../docs/configuration.md", import.meta.url));
  const rendered = withKeysTable(page, "@@");
  const start = rendered.indexOf("@@");
  const shown = page.slice(start, page.length - (rendered.length - start - 2));
  assert.deepEqual(
    normalize(shown),
    normalize(keysMarkdown()),
    "run ./scripts/deno run --allow-read --allow-write scripts/config_keys_doc.ts",
  );
});
