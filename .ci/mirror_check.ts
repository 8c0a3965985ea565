/**
 * Fails when a file under `src/` has no test at its mirrored path
 * (`src/a/b.ts` → `tests/a/b_test.ts`) and is not listed, with a reason, in
 * `.ci/untested.txt`. Also fails on a listed file that now has its test or no
 * longer exists, so the list stays honest. Prints the share with a test.
 *
 * Run: `deno run --allow-read .ci/mirror_check.ts` (from the repository root).
 * @module
 */

const ALLOW_LIST = ".ci/untested.txt";

/** Every `.ts` file under a directory, as repository paths. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...tsFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** `src/a/b.ts` → `tests/a/b_test.ts`. */
function mirrored(path: string): string {
  return `tests/${path.slice("src/".length, -".ts".length)}_test.ts`;
}

const problems: string[] = [];
const listed = new Map<string, string>();
for (const [i, raw] of Deno.readTextFileSync(ALLOW_LIST).split("\n").entries()) {
  const line = raw.trim();
  if (line === "" || line.startsWith("#")) continue;
  const match = /^(\S+)\s+(\S.*)$/.exec(line);
  if (!match) {
    problems.push(`${ALLOW_LIST}:${i + 1}: "${line}" has no reason`);
    continue;
  }
  const [, path, reason] = match as unknown as [string, string, string];
  if (listed.has(path)) problems.push(`${ALLOW_LIST}:${i + 1}: ${path} is listed twice`);
  listed.set(path, reason);
}

const files = tsFiles("src");
let tested = 0;
for (const file of files) {
  const test = mirrored(file);
  if (exists(test)) {
    tested++;
    if (listed.has(file)) problems.push(`${file} has ${test} now: remove it from ${ALLOW_LIST}`);
  } else if (!listed.has(file)) {
    problems.push(`${file} has no ${test} and is not listed in ${ALLOW_LIST} with a reason`);
  }
}
for (const path of listed.keys()) {
  if (!files.includes(path)) problems.push(`${ALLOW_LIST} lists ${path}, which does not exist`);
}

const share = ((100 * tested) / files.length).toFixed(1);
console.log(
  `src/ files with a test at the mirrored path: ${tested} of ${files.length} (${share}%)`,
);
for (const problem of problems) console.error(`error: ${problem}`);
if (problems.length > 0) Deno.exit(1);
