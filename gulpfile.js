// Copies what tsc does not: node and credential icons, and the template workflows.
const { src, dest, parallel } = require('gulp');

function copyIcons() {
	return src(['nodes/**/*.{svg,png}', 'credentials/**/*.{svg,png}'], { base: '.', encoding: false }).pipe(
		dest('dist'),
	);
}

function copyTemplates() {
	return src('workflows/*.json', { base: '.' }).pipe(dest('dist'));
}

exports.build = parallel(copyIcons, copyTemplates);
exports.default = exports.build;
