import type { PythonRequest } from "../../../src/pypa/specifier.ts";
import { isSpecifierSet, isVersion } from "../../../src/pypa/version_spec.ts";
import { compare, valid, validRange } from "@renovatebot/pep440";
import assert from "node:assert/strict";
import {
  admitsMinorAtLeast,
  admitsOnlyOlderThanMin,
  compareVersions,
  isPrerelease,
  isValidSpecifier,
  namesForRequest,
  satisfiesAny,
  satisfiesRequest,
  versionSatisfies,
  versionsFromSpecifier,
} from "../../../src/pypa/specifier.ts";

function req(specifier: string | null, extra: Partial<PythonRequest> = {}): PythonRequest {
  return { raw: specifier ?? "", specifier, implementation: null, freethreaded: false, ...extra };
}

const cpython = (version: string) => ({ version, implementation: "cpython", freethreaded: false });

Deno.test("isValidSpecifier() accepts specifier sets and rejects bare versions and junk", () => {
  const cases: Array<[string, boolean]> = [
    ["==3.12.*", true],
    [">=3.10,<3.13", true],
    [">= 3.10, < 3.13", true],
    ["~=3.12", true],
    ["==3.12.1", true],
    ["!=3.11.*", true],
    ["===3.12.1", true],
    ["==3.13.0rc1", true],
    ["", false],
    ["   ", false],
    ["3.12", false],
    ["=>3.10", false],
    [">=3.10,", false],
    [">=banana", false],
    ["latest", false],
  ];
  for (const [s, want] of cases) assert.equal(isValidSpecifier(s), want, s);
});

Deno.test("compareVersions() orders numerically and puts pre-releases before the release", () => {
  const cases: Array<[string, string, number]> = [
    ["3.10.1", "3.9.18", 1],
    ["3.9.18", "3.10.1", -1],
    ["3.12.1", "3.12.1", 0],
    ["3.13.0rc1", "3.13.0", -1],
    ["3.13.0rc2", "3.13.0rc1", 1],
    ["3.13.0b1", "3.13.0rc1", -1],
    ["3.12.10", "3.12.9", 1],
  ];
  for (const [a, b, sign] of cases) {
    assert.equal(Math.sign(compareVersions(a, b)), sign, `${a} vs ${b}`);
  }
});

Deno.test("isPrerelease() recognises alpha, beta, candidate and dev versions", () => {
  const cases: Array<[string, boolean]> = [
    ["3.13.0rc1", true],
    ["3.14.0a0", true],
    ["3.13.0b3", true],
    ["3.12.1", false],
  ];
  for (const [v, want] of cases) assert.equal(isPrerelease(v), want, v);
});

Deno.test("versionSatisfies() follows PEP 440, with pre-releases counted as their release against ranges", () => {
  const cases: Array<[string, string | null, boolean]> = [
    ["3.12.1", "==3.12.*", true],
    ["3.12.1", "==3.12.1", true],
    ["3.12.2", "==3.12.1", false],
    ["3.11.7", "==3.12.*", false],
    ["3.12.1", ">=3.10,<3.13", true],
    ["3.13.0", ">=3.10,<3.13", false],
    ["3.10.0", ">=3.10,<3.13", true],
    ["3.12.9", "~=3.12", true],
    ["3.13.0", "~=3.12", true],
    ["4.0.0", "~=3.12", false],
    ["3.13.0rc1", "==3.13.*", true],
    ["3.13.0rc1", ">=3.13", true],
    ["3.13.0rc1", ">=3.12", true],
    ["3.13.0rc1", "<3.13", false],
    ["3.13.0rc1", "==3.13.0rc1", true],
    ["3.13.0rc1", "==3.13rc1", true],
    ["3.13.0rc1", "==3.13.0", false],
    ["3.13.0rc1", "===3.13.0", false],
    ["3.14.0a0", ">=3.10", true],
    ["3.11.7", null, true],
    ["3.4.10", null, true],
    ["3.3.7", null, false],
    ["2.7.18", null, false],
    ["2.7.18", ">=2.7", false],
    ["not-a-version", null, false],
    ["3.12.1", "garbage", false],
  ];
  for (const [v, spec, want] of cases) {
    assert.equal(versionSatisfies(v, spec), want, `${v} against ${spec}`);
  }
});

Deno.test("satisfiesRequest() checks the implementation and free-threading too", () => {
  const pypy = { version: "3.10.14", implementation: "pypy", freethreaded: false };
  const ft = { version: "3.13.0", implementation: "cpython", freethreaded: true };
  const cases: Array<[typeof pypy, PythonRequest, boolean]> = [
    [pypy, req("==3.10.*"), true],
    [pypy, req("==3.10.*", { implementation: "pypy" }), true],
    [pypy, req("==3.10.*", { implementation: "cpython" }), false],
    [cpython("3.10.13"), req("==3.10.*", { implementation: "pypy" }), false],
    [ft, req("==3.13.*", { freethreaded: true }), true],
    [ft, req("==3.13.*"), false],
    [cpython("3.13.0"), req("==3.13.*", { freethreaded: true }), false],
    [cpython("3.13.0"), req(null), true],
    [cpython("3.13.0"), req(null, { implementation: "pypy" }), false],
  ];
  for (const [info, r, want] of cases) {
    assert.equal(
      satisfiesRequest(info, r),
      want,
      `${JSON.stringify(info)} vs ${JSON.stringify(r)}`,
    );
  }
});

Deno.test("satisfiesAny() accepts any Python 3 GIL build when there are no requests", () => {
  assert.equal(satisfiesAny(cpython("3.6.15"), []), true);
  assert.equal(satisfiesAny(cpython("2.7.18"), []), false);
  assert.equal(satisfiesAny({ ...cpython("3.13.0"), freethreaded: true }, []), false);
  assert.equal(satisfiesAny(cpython("3.11.7"), [req("==3.12.*"), req("==3.11.*")]), true);
  assert.equal(satisfiesAny(cpython("3.10.1"), [req("==3.12.*"), req("==3.11.*")]), false);
});

Deno.test("versionsFromSpecifier() derives the version prefixes worth trying, most specific first", () => {
  const cases: Array<[string | null, string[]]> = [
    [null, ["3"]],
    ["==3.12.*", ["3.12", "3"]],
    ["==3.12.1", ["3.12.1", "3.12", "3"]],
    ["===3.12.1", ["3.12.1", "3.12", "3"]],
    ["==3.13.0rc1", ["3.13", "3"]],
    ["==3.*", ["3"]],
    [">=3.10,<3.13", ["3.12", "3.11", "3.10", "3"]],
    [">=3.12.5,<3.13", ["3.12", "3"]],
    ["<3.8", ["3.7", "3.6", "3"]],
    ["~=3.14.1", ["3.14", "3"]],
    ["==3.12.*,!=3.12.0", ["3.12", "3"]],
    ["==4.*", ["4"]],
    ["garbage", ["3"]],
  ];
  for (const [spec, want] of cases) assert.deepEqual(versionsFromSpecifier(spec), want, `${spec}`);
});

Deno.test("versionsFromSpecifier() lists every known minor from 3.6 up for an open range", () => {
  const got = versionsFromSpecifier(">=3.6");
  assert.equal(got[got.length - 1], "3");
  assert.ok(got.includes("3.6") && got.includes("3.14"), got.join(" "));
  assert.ok(!got.includes("3.5"));
});

Deno.test("namesForRequest() gives PATH names in the documented order, with t and pypy variants first", () => {
  const cases: Array<[PythonRequest, string[]]> = [
    [req("==3.12.1"), ["python3.12.1", "python3.12", "python3", "python"]],
    [req("==3.12.*"), ["python3.12", "python3", "python"]],
    [req(null), ["python3", "python"]],
    [
      req("==3.13.*", { freethreaded: true }),
      ["python3.13t", "python3.13", "python3", "python"],
    ],
    [
      req("==3.10.*", { implementation: "pypy" }),
      ["pypy3.10", "pypy3", "pypy", "python3.10", "python3", "python"],
    ],
  ];
  for (const [r, want] of cases) assert.deepEqual(namesForRequest(r), want, JSON.stringify(r));
});

Deno.test("admitsMinorAtLeast() sees a future minor (3.99) as at least 3.8, and 2.7 or <3.8 as not", () => {
  assert.equal(admitsMinorAtLeast("==3.99.*", 8), true);
  assert.equal(admitsMinorAtLeast(">=3.40", 8), true);
  assert.equal(admitsMinorAtLeast("==2.7.*", 8), false);
  assert.equal(admitsMinorAtLeast("<3.8", 8), false);
  assert.equal(admitsMinorAtLeast(null, 8), true);
});

Deno.test("admitsOnlyOlderThanMin() is true for 2.7, <3.4 and ==3.3.*, false for 3.6, >=4 and any", () => {
  for (const spec of ["==2.7.*", "<3.4", "==3.3.*", "==2.7.18", "<3"]) {
    assert.equal(admitsOnlyOlderThanMin(spec), true, spec);
  }
  for (const spec of ["==3.6.*", ">=3.3", ">=4", "==3.99.*", "not a spec", null]) {
    assert.equal(admitsOnlyOlderThanMin(spec), false, String(spec));
  }
});

Deno.test("the release-only shortcuts answer as @renovatebot/pep440 does, over every form they take", () => {
  const versions = [
    "0",
    "3",
    "3.4",
    "3.4.0",
    "3.13.0",
    "03.013",
    "3.13.0.0",
    "10.0",
    "2.7.18",
    "4",
  ];
  for (const a of versions) {
    assert.equal(isVersion(a), valid(a) !== null, a);
    assert.equal(isPrerelease(a), false, a);
    for (const b of versions) {
      assert.equal(Math.sign(compareVersions(a, b)), Math.sign(compare(a, b)), `${a} vs ${b}`);
    }
    assert.equal(versionSatisfies(a, null), valid(a) !== null && compare(a, "3.4") >= 0, a);
  }
  const ops = ["~=", "==", "!=", "<=", ">=", "<", ">", "==="];
  const clauses: string[] = [];
  for (const op of ops) {
    for (const v of ["3", "3.12", "3.12.1", "03.1"]) {
      for (const star of ["", ".*"]) {
        for (const space of ["", " "]) clauses.push(`${op}${space}${v}${star}`);
      }
    }
  }
  for (const c of clauses) {
    assert.equal(isSpecifierSet(c), validRange(c), c);
    for (const d of [">=3.8", "<4", "==3.*", "~=3"]) {
      assert.equal(isSpecifierSet(`${c}, ${d}`), validRange(`${c}, ${d}`), `${c}, ${d}`);
    }
  }
});
