// Copies what tsc does not: icons, output schemas, codex files and the template workflows.
const { src, dest, parallel } = require('gulp');

function copyIcons() {
	return src(['nodes/**/*.{svg,png}', 'credentials/**/*.{svg,png}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

/** Output schemas (the editor's field list before a first run) and codex files (categories, docs links). */
function copyNodeJson() {
	return src(['nodes/**/__schema__/**/*.json', 'nodes/**/*.node.json'], { base: '.' }).pipe(
		dest('dist'),
	);
}

function copyTemplates() {
	return src('workflows/*.json', { base: '.' }).pipe(dest('dist'));
}

exports.build = parallel(copyIcons, copyNodeJson, copyTemplates);
exports.default = exports.build;
