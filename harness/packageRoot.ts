/** The package root, found upwards from here: these files also run compiled, from .cache/tools. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const PACKAGE_NAME = 'n8n-nodes-perks';

export const PACKAGE_ROOT = (() => {
	for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
		const manifest = path.join(dir, 'package.json');
		if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === PACKAGE_NAME)
			return dir;
	}
	throw new Error(`No ${PACKAGE_NAME} package.json above ${__dirname}`);
})();
