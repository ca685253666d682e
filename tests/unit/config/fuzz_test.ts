/**
 * Throws thousands of random and mutated inputs at the configuration parsers. They
 * must only ever return or throw a PrimeError: a TypeError or RangeError here is a
 * crash a user could trigger with a bad file. The PRNG is seeded, so a failure names
 * a reproducible case.
 */
import assert from "node:assert/strict";
import { stringify } from "smol-toml";
import { PrimeError } from "../../../src/core/errors.ts";
import { parseToml } from "../../../src/config/toml.ts";
import { validateConfig } from "../../../src/config/schema.ts";
import { readPyProject } from "../../../src/config/load.ts";
import {
  parsePythonVersionFile,
  requestFromSpecifier,
} from "../../../src/python/python_version.ts";
import { parsePep723 } from "../../../src/config/pep723.ts";
import { extractPep723Raw } from "../../../src/core/pep723_scan.ts";
import { parseDotenv } from "../../../src/core/dotenv.ts";
import { checkRequirement } from "../../../src/pypa/pep508.ts";
import { pick, prng, type Rng } from "../../helpers/prng.ts";

const ALPHABET = [
  ..."abcxyz019 ._-=[]{}\"'#@<>~!,;:/\\\n\r\t*+()",
  "\u0000",
  "\uFEFF",
  "é",
  "\u2028",
  "𝄞",
];

function mutate(r: Rng, text: string, edits: number): string {
  let s = text;
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.4) s = s.slice(0, at) + pick(r, ALPHABET) + s.slice(at);
    else if (op < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 3));
    else if (op < 0.9) s = s.slice(0, at) + pick(r, ALPHABET) + s.slice(at + 1);
    else {
      // Duplicate a slice: repeats keys, tables and block markers.
      const from = Math.floor(r() * s.length);
      s = s.slice(0, at) + s.slice(from, from + 1 + Math.floor(r() * 20)) + s.slice(at);
    }
  }
  return s;
}

const KEYS = [
  "required_python_version",
  "python_selector_file_rel_path",
  "venv_driver",
  "local_venv_dir_rel_path",
  "requirements",
  "dependencies",
  "project_dirs",
  "dependency_groups",
  "constraints_file",
  "install_args",
  "python_path",
  "vars",
  "vars_files",
  "default_env",
  "env",
  "requirments",
  "__proto__",
  "constructor",
  "toString",
];
const STRINGS = [
  "3.12",
  ">=3.10,<3.13",
  "venv_uv",
  "venv_pip",
  "dev",
  "",
  "..",
  "../x",
  "a b",
  "requests>=2",
  "x; y",
  "__proto__",
];

function randomValue(r: Rng, depth: number): unknown {
  const k = r();
  if (k < 0.35) return pick(r, STRINGS);
  if (k < 0.45) return Math.floor(r() * 100) - 50;
  if (k < 0.5) return r() < 0.5;
  if (k < 0.52) return new Date(0);
  if (k < 0.75 || depth > 3) {
    return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  }
  return randomTable(r, depth + 1);
}

function randomTable(r: Rng, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    Object.defineProperty(out, pick(r, [...KEYS, ...STRINGS]), {
      value: randomValue(r, depth),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function onlyPrimeErrors(what: string, fn: () => unknown): "ok" | "error" {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (e instanceof PrimeError) return "error";
    throw new Error(`${what} threw ${e instanceof Error ? e.name : typeof e}: ${String(e)}`);
  }
}

const CONFIG_SEEDS = [
  'required_python_version = "3.12"\nrequirements = ["requirements.txt"]\n[env.dev]\nvenv_driver = "venv_uv"\nvars = { A = "1" }\n',
  'default_env = "ci"\n[env.ci]\ndependencies = ["requests>=2; python_version >= \'3.8\'"]\ninstall_args = ["--no-index"]\n',
  '[project]\nname = "x"\nrequires-python = ">=3.9"\ndependencies = ["rich"]\n[build-system]\nrequires = []\n[dependency-groups]\ndev = ["pytest", {include-group = "lint"}]\nlint = ["ruff"]\n[tool.prime]\nvenv_driver = "venv_pip"\n',
];

Deno.test("the TOML loader and config schema only ever throw PrimeError on mutated files", () => {
  const r = prng(0x5eed1);
  const counts = { ok: 0, error: 0 };
  for (let i = 0; i < 3000; i++) {
    const text = mutate(r, pick(r, CONFIG_SEEDS), Math.floor(r() * 4));
    counts[
      onlyPrimeErrors(`config case ${i} ${JSON.stringify(text)}`, () => {
        const doc = parseToml(text, "prime.toml");
        readPyProject(doc, "pyproject.toml");
        validateConfig(doc, { file: "prime.toml", table: "" });
      })
    ]++;
  }
  // Both outcomes must occur, or the fuzzer is not exercising anything.
  assert.ok(counts.ok > 50 && counts.error > 50, JSON.stringify(counts));
});

Deno.test("the config schema only ever throws PrimeError on random structures", () => {
  const r = prng(0x5eed2);
  const counts = { ok: 0, error: 0 };
  for (let i = 0; i < 3000; i++) {
    const doc = randomTable(r, 0);
    if (r() < 0.5) doc.env = { dev: randomTable(r, 1), [pick(r, STRINGS)]: randomTable(r, 1) };
    counts[
      onlyPrimeErrors(`structure case ${i}`, () => {
        validateConfig(doc, { file: "prime.toml", table: "" });
        readPyProject({ project: doc, "dependency-groups": doc }, "pyproject.toml");
      })
    ]++;
    // Random structures also round-trip through TOML text where smol-toml can write them.
    let text: string | null = null;
    try {
      text = stringify(doc);
    } catch {
      text = null;
    }
    if (text !== null) {
      onlyPrimeErrors(
        `stringified case ${i}`,
        () => validateConfig(parseToml(text!, "f"), { file: "f", table: "" }),
      );
    }
  }
  assert.ok(counts.error > 100, JSON.stringify(counts));
});

const VERSION_WORDS = [
  "3",
  "3.12",
  "3.12.1",
  "3.13t",
  "3.13.0rc1",
  "cpython@3.12",
  "cpython-3.12",
  "pypy3.10",
  "pypy@3.10",
  ">=3.10,<3.13",
  "~=3.12",
  "system",
  "# comment",
  "",
  "  ",
  "3.12 # inline",
  "miniconda3-latest",
  "\uFEFF3.11",
];

Deno.test(".python-version parsing never throws and requestFromSpecifier only throws PrimeError", () => {
  const r = prng(0x5eed3);
  let requests = 0;
  for (let i = 0; i < 4000; i++) {
    const lines = Array.from({ length: 1 + Math.floor(r() * 5) }, () => pick(r, VERSION_WORDS));
    const text = mutate(r, lines.join(pick(r, ["\n", "\r\n"])), Math.floor(r() * 4));
    const out = parsePythonVersionFile(text, ".python-version");
    requests += out.requests.length;
    for (const w of out.warnings) assert.match(w, /^\.python-version:\d+: ignored /);
    for (const line of text.split("\n")) {
      onlyPrimeErrors(`spec ${JSON.stringify(line)}`, () => requestFromSpecifier(line, "x"));
    }
  }
  assert.ok(requests > 1000, String(requests));
});

const PEP723_SEEDS = [
  '#!/usr/bin/env prime\n# /// script\n# requires-python = ">=3.11"\n# dependencies = [\n#   "requests<3",\n#   "rich",\n# ]\n# ///\nimport requests\n',
  '# /// script\n# dependencies = ["httpx @ https://e.org/h.whl ; python_version >= \'3.8\'"]\n# [tool.prime]\n# install_args = ["--no-index"]\n# venv_driver = "venv_pip"\n# python_path = ["lib"]\n# ///\n',
  '# /// some-toml\n# x = """\n# /// y\n# ///\n# """\n# ///\n# /// script\n#\n# dependencies = []\n# ///\n',
];

Deno.test("PEP 723 parsing only ever throws PrimeError, and the warm-path scan agrees with it", () => {
  const r = prng(0x5eed4);
  const counts = { ok: 0, error: 0, blocks: 0 };
  for (let i = 0; i < 4000; i++) {
    const text = mutate(r, pick(r, PEP723_SEEDS), Math.floor(r() * 6));
    const raw = extractPep723Raw(text);
    counts[
      onlyPrimeErrors(`pep723 case ${i} ${JSON.stringify(text)}`, () => {
        const { block } = parsePep723(text, "s.py");
        if (block !== null) {
          counts.blocks++;
          assert.equal(raw, block.raw);
        } else assert.equal(raw, null);
      })
    ]++;
  }
  assert.ok(counts.blocks > 300 && counts.error > 100, JSON.stringify(counts));
});

Deno.test("dotenv and PEP 508 checks only ever throw PrimeError (or nothing) on mutated input", () => {
  const r = prng(0x5eed5);
  const seeds = ["export A=1\nB=\"x\\ny\" # c\nC='lit'\n# note\n", 'K="multi\nline"\nX=1 #c\n'];
  const reqs = [
    "requests[a,b]>=2,<3; python_version < '3.10' and os_name == \"nt\"",
    "n @ https://e.org/x.whl ; extra == 't'",
  ];
  for (let i = 0; i < 3000; i++) {
    onlyPrimeErrors(
      `dotenv case ${i}`,
      () => parseDotenv(mutate(r, pick(r, seeds), 1 + Math.floor(r() * 5)), ".env"),
    );
    const req = mutate(r, pick(r, reqs), Math.floor(r() * 4));
    const why = checkRequirement(req);
    assert.ok(why === null || typeof why === "string");
  }
});
