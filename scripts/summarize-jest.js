// Prints jest's totals from its --json result files as one plain line: "tests: N passed, N failed".
// `--passed=<what>` / `--failed=<what>` count one check run outside jest (scripts/test.sh's sandbox).
const fs = require('node:fs');

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
	const check = /^--(passed|failed)=(.*)$/.exec(file);
	if (check) {
		if (check[1] === 'passed') passed++;
		else {
			console.error(`failed: ${check[2]}`);
			failed++;
		}
		continue;
	}
	if (!fs.existsSync(file)) {
		console.error(`no jest results at ${file}`);
		failed++;
		continue;
	}
	const result = JSON.parse(fs.readFileSync(file, 'utf8'));
	passed += result.numPassedTests;
	failed += result.numFailedTests + result.numRuntimeErrorTestSuites;
	skipped += result.numPendingTests + result.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
