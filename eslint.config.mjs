import { config } from '@n8n/node-cli/eslint';

export default [
	...config,
	{
		// The chat SDKs are real runtime dependencies: they make this package installable on
		// self-hosted n8n (and so not n8n Cloud-verifiable), a trade-off we take knowingly (README, "Lint exceptions").
		files: ['package.json'],
		rules: { '@n8n/community-nodes/no-runtime-dependencies': 'off' },
	},
	{
		// Library layer below the nodes: typed errors with a stable `code` (as node-slack-sdk does);
		// runPerItem/toNodeError turn them into NodeApiError/NodeOperationError at the node boundary.
		files: ['nodes/shared/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		// Only the platform folders may import an SDK; every other file stays on the allow-list.
		files: ['nodes/shared/chat/slack/**/*.ts', 'nodes/shared/chat/teams/**/*.ts'],
		rules: { '@n8n/community-nodes/no-restricted-imports': 'off' },
	},
	{
		// The delivery ledger keeps one row per key in n8n's own database: it resolves n8n's DataSource
		// from the process's n8n entry point (node:module) and reads one operator setting (process.env).
		files: ['nodes/shared/idempotency/ledgerDatabase.ts'],
		rules: {
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-restricted-globals': 'off',
		},
	},
];
