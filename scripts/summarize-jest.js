// Prints jest's totals from its --json result files as one plain line: "tests: N passed, N failed".
const fs = require('node:fs');

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
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
