import assert from "node:assert/strict";
import { checkRequirement } from "../../../src/pypa/pep508.ts";

const VALID = [
  "requests",
  "requests>=2.0",
  "requests >= 2.0, < 3",
  "requests (>=2.0,<3)",
  "requests[security,socks]>=2",
  "requests[]",
  "A.B-C_D==1.0.*",
  "pip===weird-legacy",
  "numpy; python_version < '3.10'",
  'numpy ; python_version < "3.10" and (sys_platform == "linux" or os_name != "nt")',
  "foo; extra == 'test'",
  "foo; 'linux' in sys_platform",
  "foo; platform_machine not in 'x86_64 aarch64'",
  "name @ https://example.org/name-1.0.tar.gz",
  "name @ git+https://github.com/o/r.git@v1#egg=name",
  "name @ file:///tmp/x.whl ; python_version >= '3.8'",
  "name[x] @ https://e.org/a.whl",
];
for (const r of VALID) {
  Deno.test(`checkRequirement() accepts ${JSON.stringify(r)}`, () => {
    assert.equal(checkRequirement(r), null);
  });
}

const INVALID: Array<[string, RegExp]> = [
  ["", /empty/],
  [">=2", /package name/],
  ["-foo", /package name/],
  ["requests[", /extras/],
  ["requests[a b]", /extras/],
  ["requests >= = 2", /not valid PEP 440/],
  ["requests 2.0", /not valid PEP 440/],
  ["requests (>=2", /not closed/],
  ["requests ()", /empty/],
  ["requests; python_version", /operator/],
  ["requests; bogus_var == '1'", /malformed/],
  ["requests; python_version < '3", /malformed/],
  ["requests; (python_version < '3'", /not closed/],
  ["requests; python_version < '3' and", /malformed/],
  ["name @", /URL/],
  ["name @ notaurl", /URL/],
  ["name @ https://e.org/a.whl; python_version < '3'", /after the URL/],
  ["name @ https://e.org/a.whl junk", /after the URL/],
  ["requests>=2 junk", /not valid PEP 440/],
];
for (const [r, re] of INVALID) {
  Deno.test(`checkRequirement() refuses ${JSON.stringify(r)}`, () => {
    const why = checkRequirement(r);
    assert.ok(why !== null);
    assert.match(why, re);
  });
}
