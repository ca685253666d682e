import assert from "node:assert/strict";
import { join } from "node:path";
import type { RunResult } from "../../../src/process.ts";
import { fakeRunner, result } from "../../helpers/fake_runner.ts";
import { isShim, probeCachePath, probePython, resolveShim } from "../../../src/python/probe.ts";

const PROBE_3_12 = JSON.stringify({
  prime_probe: 1,
  version: "3.12.1",
  implementation: "cpython",
  freethreaded: false,
  executable: "/x/python3.12",
});

/** A runner that answers with `answer` and records the arguments of every call. */
function recording(answer: (args: string[]) => RunResult) {
  return fakeRunner((_cmd, args) => answer(args));
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "prime_probe_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function binary(path: string, bytes = 8): Promise<string> {
  await Deno.writeFile(path, new Uint8Array(bytes).fill(0x7f), { mode: 0o755 });
  return path;
}

Deno.test("probePython() runs the interpreter once, then answers from the cache", async () => {
  await withTemp(async (dir) => {
    const py = await binary(join(dir, "python3.12"));
    const link = join(dir, "python3");
    await Deno.symlink("python3.12", link);
    const cacheDir = join(dir, "cache");
    const runner = recording(() => result(0, PROBE_3_12 + "\n"));
    const first = await probePython(link, { cacheDir, runner });
    assert.ok(!("error" in first));
    assert.equal(first.path, link);
    assert.equal(first.realPath, await Deno.realPath(py));
    assert.equal(first.version, "3.12.1");
    assert.equal(first.size, 8);
    assert.equal(runner.calls.length, 1);
    assert.equal(runner.calls[0].args[0], "-I");
    const again = await probePython(py, { cacheDir, runner });
    assert.deepEqual({ ...again, path: link }, first);
    assert.equal(runner.calls.length, 1, "the second probe is served from the cache");
    const file = await probeCachePath(cacheDir, first.realPath);
    const entry = JSON.parse(await Deno.readTextFile(file));
    assert.equal(entry.realPath, first.realPath);
    assert.equal((await Deno.stat(join(cacheDir, "probes"))).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(cacheDir)).mode! & 0o777, 0o700);
  });
});

Deno.test("probePython() probes again when the interpreter's size or mtime changes", async () => {
  await withTemp(async (dir) => {
    const py = await binary(join(dir, "python3"));
    const cacheDir = join(dir, "cache");
    const runner = recording(() => result(0, PROBE_3_12));
    await probePython(py, { cacheDir, runner });
    await binary(py, 16);
    await probePython(py, { cacheDir, runner });
    assert.equal(runner.calls.length, 2, "a new size");
    await Deno.utime(py, 1_000_000, 1_000_000);
    await probePython(py, { cacheDir, runner });
    assert.equal(runner.calls.length, 3, "a new mtime");
  });
});

Deno.test("probePython() ignores a corrupt cache entry", async () => {
  await withTemp(async (dir) => {
    const py = await binary(join(dir, "python3"));
    const cacheDir = join(dir, "cache");
    const runner = recording(() => result(0, PROBE_3_12));
    const file = await probeCachePath(cacheDir, await Deno.realPath(py));
    await Deno.mkdir(join(cacheDir, "probes"), { recursive: true });
    await Deno.writeTextFile(file, "{not json");
    const got = await probePython(py, { cacheDir, runner });
    assert.ok(!("error" in got) && got.version === "3.12.1");
    assert.equal(runner.calls.length, 1);
  });
});

Deno.test("probePython() uses a cache entry only for the real path it was written for (the file name is a fast hash: a collision costs a probe)", async () => {
  await withTemp(async (dir) => {
    await Deno.mkdir(join(dir, "a"));
    await Deno.mkdir(join(dir, "b"));
    const a = await binary(join(dir, "a", "python3"));
    const b = await binary(join(dir, "b", "python3"));
    const cacheDir = join(dir, "cache");
    const runner = recording(() => result(0, PROBE_3_12));
    await probePython(a, { cacheDir, runner });
    // b's entry where a's file is, as if the two names collided.
    const fileA = await probeCachePath(cacheDir, await Deno.realPath(a));
    const entry = JSON.parse(await Deno.readTextFile(fileA));
    await Deno.writeTextFile(fileA, JSON.stringify({ ...entry, realPath: await Deno.realPath(b) }));
    await probePython(a, { cacheDir, runner });
    assert.equal(runner.calls.length, 2, "probed again");
  });
});

Deno.test("probePython() falls back to -E -s for Python 2, which has no -I", async () => {
  await withTemp(async (dir) => {
    const py = await binary(join(dir, "python2.7"));
    const runner = recording((args) =>
      args[0] === "-I" ? result(2, "", "Unknown option: -I\nusage: python2.7 ...") : result(
        0,
        '{"prime_probe": 1, "version": "2.7.18", "implementation": "cpython", "freethreaded": false, "executable": "/x"}',
      )
    );
    const got = await probePython(py, { cacheDir: join(dir, "cache"), runner });
    assert.ok(!("error" in got));
    assert.equal(got.version, "2.7.18");
    assert.deepEqual(runner.calls.map((c) => c.args.slice(0, 2)), [["-I", "-c"], ["-E", "-s"]]);
  });
});

Deno.test("probePython() reports failures as errors and does not cache them", async () => {
  await withTemp(async (dir) => {
    const py = await binary(join(dir, "python3"));
    const cacheDir = join(dir, "cache");
    const cases: Array<[RunResult, RegExp]> = [
      [
        result(1, "", "Traceback\nImportError: boom\n"),
        /^exit code 1: ImportError: boom$/,
      ],
      [result(137, "", "", { timedOut: true }), /^timed out after 10 s$/],
      [
        result(127, "", "", { spawnError: "Permission denied" }),
        /^cannot run: Permission denied$/,
      ],
      [result(0, "hello\n"), /^unexpected output: hello$/],
      [result(0, '{"prime_probe": 1, "version": "3.x"}'), /^unexpected output/],
    ];
    for (const [answer, pattern] of cases) {
      const runner = recording(() => answer);
      const got = await probePython(py, { cacheDir, runner });
      assert.ok("error" in got, String(pattern));
      assert.match(got.error, pattern);
    }
    const file = await probeCachePath(cacheDir, await Deno.realPath(py));
    await assert.rejects(Deno.stat(file), Deno.errors.NotFound);
  });
});

Deno.test("probePython() rejects missing, non-executable and non-file paths without running them", async () => {
  await withTemp(async (dir) => {
    const plain = join(dir, "plain");
    await Deno.writeTextFile(plain, "x", { mode: 0o644 });
    const runner = recording(() => result(0, PROBE_3_12));
    const cases: Array<[string, string]> = [
      [join(dir, "missing"), "no such file"],
      [plain, "not executable"],
      [dir, "not a file"],
    ];
    for (const [path, error] of cases) {
      assert.deepEqual(await probePython(path, { cacheDir: join(dir, "c"), runner }), { error });
    }
    assert.equal(runner.calls.length, 0);
  });
});

Deno.test("isShim() recognises pyenv, asdf and mise shims and nothing else", async () => {
  await withTemp(async (dir) => {
    await Deno.mkdir(join(dir, "shims"));
    await Deno.mkdir(join(dir, "bin"));
    const inShims = await binary(join(dir, "shims", "python3"));
    const pyenvScript = join(dir, "bin", "python3.10");
    await Deno.writeTextFile(
      pyenvScript,
      '#!/usr/bin/env bash\nset -e\nexec "/root/.pyenv/libexec/pyenv" exec "$program" "$@"\n',
      { mode: 0o755 },
    );
    const asdfScript = join(dir, "bin", "python3.11");
    await Deno.writeTextFile(asdfScript, '#!/usr/bin/env bash\nexec asdf exec python3.11 "$@"\n', {
      mode: 0o755,
    });
    const mise = await binary(join(dir, "bin", "mise"));
    const miseLink = join(dir, "bin", "python3.12");
    await Deno.symlink(mise, miseLink);
    const wrapper = join(dir, "bin", "python-wrapper");
    await Deno.writeTextFile(wrapper, '#!/bin/sh\nexec /usr/bin/python3 "$@"\n', { mode: 0o755 });
    const real = await binary(join(dir, "bin", "python3"));
    const cases: Array<[string, boolean]> = [
      [inShims, true],
      [pyenvScript, true],
      [asdfScript, true],
      [miseLink, true],
      [wrapper, false],
      [real, false],
      [join(dir, "bin", "missing"), false],
    ];
    for (const [path, want] of cases) assert.equal(await isShim(path), want, path);
  });
});

Deno.test("resolveShim() returns the interpreter a launcher reports, or null", async () => {
  await withTemp(async (dir) => {
    const real = await binary(join(dir, "python3.12"));
    const answer = (executable: string) =>
      recording(() =>
        result(
          0,
          JSON.stringify({
            prime_probe: 1,
            version: "3.12.1",
            implementation: "cpython",
            freethreaded: false,
            executable,
          }),
        )
      );
    assert.equal(await resolveShim("/any/shim", { runner: answer(real) }), real);
    assert.equal(await resolveShim("/any/shim", { runner: answer(join(dir, "gone")) }), null);
    assert.equal(await resolveShim("/any/shim", { runner: answer("") }), null);
  });
});
