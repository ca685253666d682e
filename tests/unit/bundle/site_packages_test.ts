import assert from "node:assert/strict";
import {
  isPureTag,
  parseEntryPoints,
  parseMetadata,
  recordPaths,
} from "../../../src/bundle/site_packages.ts";
import { parseArgs } from "../../../src/cli/args.ts";
import { launcherText } from "../../../src/bundle/launcher.ts";
import { shQuote } from "../../../src/shell/quote.ts";

Deno.test("recordPaths() reads plain and quoted CSV paths", () => {
  assert.deepEqual(
    recordPaths('a/b.py,sha256=x,1\n"we,ird ""q"".py",sha256=y,2\n../../bin/t,,\n\n'),
    ["a/b.py", 'we,ird "q".py', "../../bin/t"],
  );
});

Deno.test("parseEntryPoints() keeps console and gui scripts, without extras", () => {
  const text = `[console_scripts]
tool = pkg.cli:main [fast]
other=pkg:run

[gui_scripts]
win = pkg.gui:start
[pytest11]
plug = pkg.plugin
`;
  assert.deepEqual(parseEntryPoints(text), {
    tool: "pkg.cli:main",
    other: "pkg:run",
    win: "pkg.gui:start",
  });
});

Deno.test("parseMetadata() reads the headers only", () => {
  assert.deepEqual(parseMetadata("Metadata-Version: 2.1\nName: Foo\nVersion: 1.2\n\nName: no"), {
    name: "Foo",
    version: "1.2",
  });
});

Deno.test("isPureTag() is true only for none-any tags", () => {
  assert.equal(isPureTag("py3-none-any"), true);
  assert.equal(isPureTag("py2.py3-none-any"), true);
  assert.equal(isPureTag("cp312-cp312-manylinux_2_17_x86_64"), false);
  assert.equal(isPureTag("cp38-abi3-linux_x86_64"), false);
  assert.equal(isPureTag("py3-none-macosx_11_0_arm64"), false);
});

Deno.test("parseArgs() reads bundle's options and refuses what does not fit", () => {
  const c = parseArgs(["bundle", "app.py", "-o", "out", "--name=x", "-v"], () => false);
  assert.deepEqual(c.command, {
    kind: "bundle",
    entry: "app.py",
    output: "out",
    name: "x",
    dryRun: false,
    depsOnly: false,
  });
  assert.equal(c.options.verbose, 1);
  assert.equal(parseArgs(["bundle", "m:f", "--dry-run"], () => false).command.kind, "bundle");
  for (
    const bad of [
      ["bundle", "--output", "o"],
      ["bundle", "a.py"],
      ["bundle", "--deps-only", "a.py", "--output", "o"],
      ["bundle", "a.py", "b.py", "--output", "o"],
      ["bundle", "a.py", "--output"],
      ["bundle", "a.py", "--bogus", "--output", "o"],
    ]
  ) {
    assert.throws(() => parseArgs(bad, () => false), { name: "UsageError" }, bad.join(" "));
  }
});

Deno.test("launcherText() quotes its message and execs the bootstrap with the flags", () => {
  const text = launcherText({
    name: "it's",
    minor: "3.12",
    flags: ["-I"],
    removedVars: ["PYTHONHOME", "PYTHONPATH"],
    needs: "Python >=3.10",
    primeVersion: "0.1.0",
  });
  assert.match(text, /^#!\/bin\/sh\n/);
  assert.match(text, /for name in python3\.12 python3 python; do/);
  assert.match(text, /unset PYTHONHOME PYTHONPATH\n/);
  assert.match(text, /exec "\$py" -I -S "\$root\/prime-bundle\.py" "\$0" "\$@"\n$/);
  assert.ok(text.includes(shQuote("it's: no Python found: it needs Python >=3.10")));
});
