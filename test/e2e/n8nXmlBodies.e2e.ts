/**
 * n8n parses an XML body before any node runs (a trigger cannot see or refuse it), with one
 * xml2js parser shared by every request. This pins down the fault the fuzz suites allow for
 * (fuzzKit's XML_TYPES) and docs/security.md describes: once two malformed XML bodies are parsed
 * at once, later malformed XML bodies are never answered. When this fails, n8n has changed: drop
 * `n8nMayStall` from the fuzz suites and the note in docs/security.md.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { N8N_HOME } from '../../harness/n8n/environment';

const N8N_PACKAGE = path.join(N8N_HOME, 'node_modules', 'n8n');

type Settled = 'parsed' | 'refused' | 'no answer';
interface XmlParser {
	parseStringPromise(text: string): Promise<unknown>;
}

it('n8n parses every XML body with one shared xml2js parser, which stops answering malformed XML once two were parsed at once', async () => {
	const bodyParser = readFileSync(
		path.join(N8N_PACKAGE, 'dist/middlewares/body-parser.js'),
		'utf8',
	);
	// One parser, made when the module loads, used by every request.
	const made = /^const xmlParser = new xml2js_1\.Parser\((\{[\s\S]*?\})\);$/m.exec(bodyParser);
	expect(made).not.toBeNull();
	expect(bodyParser).toContain('await xmlParser.parseStringPromise(');
	expect(made![1]).toContain('async: true');

	// The same library n8n loads, with n8n's options (its name sanitizers aside).
	const { Parser } = createRequire(path.join(N8N_PACKAGE, 'package.json'))('xml2js') as {
		Parser: new (options: object) => XmlParser;
	};
	const parser = new Parser({
		async: true,
		normalize: true,
		normalizeTags: true,
		explicitArray: false,
	});
	const settle = (text: string) =>
		Promise.race<Settled>([
			parser.parseStringPromise(text).then(
				() => 'parsed',
				() => 'refused',
			),
			new Promise((resolve) => setTimeout(() => resolve('no answer'), 500)),
		]);
	const json = '{"type":"wallet.funded","data":{"amount":5}}';

	// Two requests with a JSON body under an XML content type, at the same moment.
	expect(await Promise.all([settle(json), settle(json)])).toEqual(['refused', 'refused']);
	await new Promise((resolve) => setTimeout(resolve, 20));
	const later: Settled[] = [];
	for (let i = 0; i < 3; i++) later.push(await settle(json));
	expect(later).toEqual(['no answer', 'no answer', 'no answer']);
	// Well-formed XML still parses.
	expect(await settle('<a>1</a>')).toBe('parsed');
});
