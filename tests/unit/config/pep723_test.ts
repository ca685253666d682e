import assert from "node:assert/strict";
import { ConfigError, EXIT } from "../../../src/core/errors.ts";
import { parsePep723 } from "../../../src/config/pep723.ts";
import { extractPep723Raw, scanPep723 } from "../../../src/core/pep723_scan.ts";

// The example from the PEP's specification.
const PEP_EXAMPLE = `# /// script
# requires-python = ">=3.11"
# dependencies = [
#   "requests<3",
#   "rich",
# ]
# ///

import requests
from rich.pretty import pprint
`;

// The PEP's example of a `# ///` line inside content: one fully valid block.
const PEP_PRECEDENCE = `# /// some-toml
# embedded-csharp = """
# /// <summary>
# /// text
# ///
# /// </summary>
# public class MyClass { }
# """
# ///
`;

function configError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.exitCode, EXIT.CONFIG);
    assert.match(e.message, re);
    return true;
  });
}

Deno.test("parsePep723() reads the PEP's own example", () => {
  const { block, warnings } = parsePep723(PEP_EXAMPLE, "s.py");
  assert.deepEqual(warnings, []);
  assert.deepEqual(block, {
    raw: 'requires-python = ">=3.11"\ndependencies = [\n  "requests<3",\n  "rich",\n]\n',
    requiresPython: ">=3.11",
    dependencies: ["requests<3", "rich"],
    tool: {},
    line: 1,
  });
});

Deno.test("scanPep723() reads the PEP's precedence example as one block ending at the last `# ///`", () => {
  const { blocks } = scanPep723(PEP_PRECEDENCE);
  assert.equal(blocks.length, 1);
  assert.equal(blocks[0].type, "some-toml");
  assert.equal(blocks[0].closeLine, 9);
  assert.match(blocks[0].content, /\/\/\/ <summary>\n\/\/\/ text\n\/\/\/\n/);
});

Deno.test("parsePep723() ignores blocks of other types", () => {
  assert.deepEqual(parsePep723(PEP_PRECEDENCE, "s.py"), { block: null, warnings: [] });
});

const SHAPES: Array<[string, string, string | null, number | null]> = [
  ["no block", "print(1)\n", null, null],
  [
    "a shebang before the block",
    "#!/usr/bin/env prime\n# /// script\n# dependencies = []\n# ///\n",
    "dependencies = []\n",
    2,
  ],
  [
    "a BOM and CRLF",
    "\uFEFF# /// script\r\n# dependencies = []\r\n# ///\r\n",
    "dependencies = []\n",
    1,
  ],
  [
    "a bare `#` content line",
    "# /// script\n#\n# dependencies = []\n# ///\n",
    "\ndependencies = []\n",
    1,
  ],
  [
    "a closing line at end of file without newline",
    "# /// script\n# dependencies = []\n# ///",
    "dependencies = []\n",
    1,
  ],
  [
    "a later `# ///` in the same comment run",
    "# /// script\n# a = 1\n# ///\n# b = 2\n# ///\nx = 1\n",
    null,
    1,
  ],
  [
    "trailing comments after the closing line",
    "# /// script\n# dependencies = []\n# ///\nprint()\n# ///\n",
    "dependencies = []\n",
    1,
  ],
  ["an indented opening line", "  # /// script\n# dependencies = []\n# ///\n", null, null],
  ["a type with trailing space", "# /// script \n# dependencies = []\n# ///\n", null, null],
  ["`#x` ending the comment run", "# /// script\n#x\n# ///\n", null, null],
  ["an opening line with no content", "# /// script\n# ///\n", null, null],
];
for (const [what, text, raw, line] of SHAPES) {
  Deno.test(`scanPep723() handles ${what}`, () => {
    const scripts = scanPep723(text).blocks.filter((b) => b.type === "script");
    if (line === null) assert.equal(scripts.length, 0);
    else {
      assert.equal(scripts.length, 1);
      assert.equal(scripts[0].openLine, line);
      if (raw !== null) assert.equal(scripts[0].content, raw);
    }
  });
}

Deno.test("scanPep723() closes at the last `# ///` of the run, as the canonical regex does", () => {
  const [b] = scanPep723("# /// script\n# a = 1\n# ///\n# b = 2\n# ///\nx = 1\n").blocks;
  assert.equal(b.closeLine, 5);
  assert.equal(b.content, "a = 1\n///\nb = 2\n");
});

Deno.test("parsePep723() ignores an unclosed block with a warning naming its line", () => {
  const out = parsePep723("x = 1\n# /// script\n# dependencies = []\nprint()\n", "s.py");
  assert.equal(out.block, null);
  assert.deepEqual(out.warnings, [
    "s.py:2: ignored an unclosed `# /// script` block (no `# ///` line ends its comment lines)",
  ]);
});

Deno.test("parsePep723() warns about an unknown top-level key, as uv does, and goes on", () => {
  const { block, warnings } = parsePep723("# /// script\n# dependecies = []\n# ///\n", "s.py");
  assert.ok(block !== null);
  assert.deepEqual(warnings, [
    "s.py:2: script block: ignored unknown key `dependecies`; did you mean `dependencies`? (PEP 723 defines requires-python, dependencies and [tool])",
  ]);
});

Deno.test("parsePep723() reads [tool.prime], keeps [tool.uv] raw and ignores other tools", () => {
  const text = [
    "# /// script",
    '# requires-python = ">=3.9"',
    "# dependencies = [\"httpx @ https://example.org/httpx-0.1.tar.gz ; python_version >= '3.8'\"]",
    "# [tool.prime]",
    '# install_args = ["--no-index"]',
    '# venv_driver = "venv_pip"',
    '# python_path = ["lib"]',
    "# [tool.uv]",
    '# exclude-newer = "2024-01-01T00:00:00Z"',
    "# [tool.ruff]",
    "# line-length = 99",
    "# ///",
  ].join("\n");
  const { block } = parsePep723(text, "s.py");
  const { uv, ...prime } = block!.tool;
  assert.deepEqual(prime, {
    install_args: ["--no-index"],
    venv_driver: "venv_pip",
    python_path: ["lib"],
  });
  assert.deepEqual({ ...(uv as object) }, { "exclude-newer": "2024-01-01T00:00:00Z" });
  assert.equal(block?.requiresPython, ">=3.9");
});

const BAD: Array<[string, string, RegExp]> = [
  [
    "two script blocks",
    "# /// script\n# dependencies = []\n# ///\nx = 1\n# /// script\n# dependencies = []\n# ///\n",
    /^s\.py:5: a second `# \/\/\/ script` block \(the first starts at line 1\)$/,
  ],
  [
    "bad TOML, with the script's line and column (the line that left `[` open)",
    "x = 1\n# /// script\n# dependencies = [\n# ///\n",
    /^s\.py:3:19: invalid TOML: `\[` is not closed/,
  ],
  [
    "a duplicate key",
    "# /// script\n# dependencies = []\n# dependencies = []\n# ///\n",
    /^s\.py:3:3: invalid TOML/,
  ],
  [
    "a nested opening line",
    "# /// script\n# /// script\n# dependencies = []\n# ///\n",
    /^s\.py:2: a `# \/\/\/ script` line inside the script block that starts at line 1$/,
  ],
  [
    "requires-python as a number",
    "# /// script\n# requires-python = 3.11\n# ///\n",
    /^s\.py:2: script block: `requires-python` must be a string, found a number$/,
  ],
  [
    "requires-python as a bare version",
    '# /// script\n# requires-python = "3.11"\n# ///\n',
    /`requires-python` `3\.11` is not a valid PEP 440 specifier/,
  ],
  [
    "requires-python that is garbage",
    '# /// script\n# requires-python = ">=three"\n# ///\n',
    /is not a valid PEP 440 specifier/,
  ],
  [
    "requires-python that is empty",
    '# /// script\n# requires-python = ""\n# ///\n',
    /is not a valid PEP 440 specifier/,
  ],
  [
    "dependencies as a string",
    '# /// script\n# dependencies = "rich"\n# ///\n',
    /^s\.py:2: script block: `dependencies` must be an array of strings, found a string$/,
  ],
  [
    "a dependency that is not a string",
    "# /// script\n# dependencies = [1]\n# ///\n",
    /item 1 must be a string, found a number/,
  ],
  [
    "a dependency that is not PEP 508",
    '# /// script\n#\n# dependencies = ["rich==="]\n# ///\n',
    /^s\.py:3: script block: `dependencies` item `rich===` is not a valid PEP 508 requirement/,
  ],
  [
    "tool as a string",
    '# /// script\n# tool = "x"\n# ///\n',
    /`tool` must be a table, found a string/,
  ],
  [
    "tool.prime as an array",
    "# /// script\n# [[tool.prime]]\n# ///\n",
    /`tool\.prime` must be a table, found an array/,
  ],
  [
    "an unknown tool.prime key",
    '# /// script\n# [tool.prime]\n# venv-driver = "venv_pip"\n# ///\n',
    /^s\.py:3: script block: unknown key `tool\.prime\.venv-driver`; did you mean `venv_driver`\?$/,
  ],
  [
    "a bad venv_driver",
    '# /// script\n# [tool.prime]\n# venv_driver = "uv"\n# ///\n',
    /must be venv_uv or venv_pip, found `uv`/,
  ],
  [
    "install_args with a number",
    "# /// script\n# [tool.prime]\n# install_args = [1]\n# ///\n",
    /`tool\.prime\.install_args` must be an array of strings/,
  ],
  [
    "an empty python_path entry",
    '# /// script\n# [tool.prime]\n# python_path = [""]\n# ///\n',
    /python_path` items must be non-empty/,
  ],
];
for (const [what, text, re] of BAD) {
  Deno.test(`parsePep723() rejects ${what} with exit 3`, () =>
    configError(() => parsePep723(text, "s.py"), re));
}

Deno.test("extractPep723Raw() matches parsePep723()'s raw text", () => {
  assert.equal(extractPep723Raw(PEP_EXAMPLE), parsePep723(PEP_EXAMPLE, "s.py").block?.raw);
  assert.equal(extractPep723Raw("print(1)\n"), null);
  assert.equal(extractPep723Raw(PEP_PRECEDENCE), null);
});

Deno.test("extractPep723Raw() never returns one block's text when there are two", () => {
  const text = "# /// script\n# a = 1\n# ///\nx\n# /// script\n# a = 1\n# ///\n";
  const raw = extractPep723Raw(text);
  assert.equal(raw, "a = 1\n\0a = 1\n");
});
