/**
 * An in-process n8n for tests: our built package loaded the way n8n loads a community
 * package (PackageDirectoryLoader on the package root, node types `n8n-nodes-perks.<name>`),
 * n8n-core's WorkflowExecute running whole workflow JSON, and the delivery ledger in a real
 * SQLite database (sqliteLedger.ts). Needs a current dist/ (the test/workflows tier builds it).
 */
import { tmpdir } from 'node:os';
import path from 'node:path';

// One fixed folder (n8n keeps only its instance settings there), so runs leave nothing behind.
process.env.N8N_USER_FOLDER ??= path.join(tmpdir(), 'n8n-nodes-perks-tests');
// n8n logs every node error to the console; the tests assert on them instead.
process.env.N8N_LOG_LEVEL ??= 'silent';

import {
	Credentials,
	ExecutionLifecycleHooks,
	PackageDirectoryLoader,
	WorkflowExecute,
} from 'n8n-core';
import {
	ICredentialsHelper,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type IDataObject,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IRunExecutionData,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type IVersionedNodeType,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { sqliteLedgerDatabase, useTestLedger } from './sqliteLedger';
import { PACKAGE_NAME, PACKAGE_ROOT } from '../packageRoot';

export { PACKAGE_NAME, PACKAGE_ROOT };

export interface LoadedPackage {
	nodeTypes: INodeTypes;
	credentialType(name: string): ICredentialType;
}

let loaded: Promise<LoadedPackage> | undefined;

export function loadPackage(): Promise<LoadedPackage> {
	loaded ??= (async () => {
		const loader = new PackageDirectoryLoader(PACKAGE_ROOT);
		await loader.loadAll();
		const byName = (type: string) => {
			const name = type.startsWith(`${PACKAGE_NAME}.`) ? type.slice(PACKAGE_NAME.length + 1) : type;
			return loader.getNode(name).type;
		};
		const nodeTypes: INodeTypes = {
			getByName: (type) => byName(type),
			getByNameAndVersion: (type, version) => {
				const node = byName(type) as INodeType | IVersionedNodeType;
				return 'nodeVersions' in node ? node.getNodeType(version) : node;
			},
			getKnownTypes: () => ({}),
		};
		return { nodeTypes, credentialType: (name) => loader.getCredential(name).type };
	})();
	return loaded;
}

/** The delivery ledger's database, shared by every run in this test process (one "n8n instance"). */
export const ledgerDb = sqliteLedgerDatabase();
useTestLedger(ledgerDb);

/** OAuth2 token data n8n saved after a refresh, in order: what a real n8n writes to its database. */
export const savedOauthTokens: Array<{ type: string; accessToken: unknown }> = [];

/** The credential type of each request n8n signed with a credential's generic `authenticate`, in order. */
export const authenticatedRequests: string[] = [];

/**
 * Credentials by type, and generic `authenticate` applied the way n8n does for `{{$credentials.x}}`.
 * Types that extend `oAuth2Api` go through n8n-core's own OAuth2 code (sign, refresh on 401,
 * save); a refreshed token is written back into the test's credentials, as n8n saves it.
 */
export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly pkg: LoadedPackage,
		private readonly credentials: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		request: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.pkg.credentialType(typeName);
		authenticatedRequests.push(typeName);
		if (typeof authenticate === 'function') return await authenticate(credentials, request);
		// Ours set their header in code; OAuth2 types are signed by n8n-core before this is asked.
		if (authenticate)
			throw new Error(`${typeName}: only a function authenticate is supported here`);
		return request;
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	getParentTypes(typeName: string): string[] {
		let parents: string[];
		try {
			parents = this.pkg.credentialType(typeName).extends ?? [];
		} catch {
			return []; // n8n's own types (oAuth2Api) are not in our package
		}
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.credentials[type];
		if (!data) throw new Error(`The test gave no credentials of type ${type}`);
		return data;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails): Promise<Credentials> {
		return new Credentials({ id: nodeCredentials.id, name: nodeCredentials.name }, '', '');
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const tokenData = data.oauthTokenData as IDataObject | undefined;
		// In place: a test that reuses the credential object sees the saved token in its next run.
		Object.assign(this.credentials[type], { oauthTokenData: { ...tokenData } });
		savedOauthTokens.push({ type, accessToken: tokenData?.access_token });
	}

	getCredentialsProperties() {
		return [];
	}
}

export interface RuntimeOptions {
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** Base of production webhook URLs, as n8n's WEBHOOK_URL. */
	webhookBaseUrl?: string;
}

export function additionalDataFor(
	pkg: LoadedPackage,
	options: RuntimeOptions,
	extra: Partial<IWorkflowExecuteAdditionalData> = {},
): IWorkflowExecuteAdditionalData {
	const webhookBaseUrl = options.webhookBaseUrl ?? 'http://127.0.0.1:5678/webhook';
	return {
		credentialsHelper: new TestCredentialsHelper(pkg, options.credentials),
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678/',
		formBaseUrl: '',
		formWaitingBaseUrl: '',
		formTestBaseUrl: '',
		webhookBaseUrl,
		webhookWaitingBaseUrl: `${webhookBaseUrl}-waiting`,
		webhookTestBaseUrl: `${webhookBaseUrl}-test`,
		mcpBaseUrl: '',
		mcpTestBaseUrl: '',
		variables: {},
		logAiEvent: () => {},
		getRunExecutionData: async () => undefined,
		...extra,
	} as IWorkflowExecuteAdditionalData;
}

/** A workflow as n8n keeps it while published: one instance, so static data lives across runs. */
export function instantiate(pkg: LoadedPackage, json: IWorkflowBase | WorkflowJson): Workflow {
	return new Workflow({
		id: json.id ?? 'wf-test',
		name: json.name,
		nodes: json.nodes,
		connections: json.connections,
		nodeTypes: pkg.nodeTypes,
		staticData: (json as IWorkflowBase).staticData ?? {},
		settings: json.settings ?? {},
		active: true,
	});
}

export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IWorkflowBase['connections'];
	settings?: IWorkflowBase['settings'];
	staticData?: IDataObject;
}

export interface RunResult {
	run: IRun;
	/** Items of a node's output (first run, `output` 0 = main, 1 = error output). */
	output(nodeName: string, output?: number): IDataObject[];
	/** The error a node stopped with, if any. */
	error(nodeName: string): Error | undefined;
	/** The first node that stopped with an error (what makes n8n answer a webhook 500). */
	failedNode(): string | undefined;
	ran(nodeName: string): boolean;
}

/** Runs a workflow from `startNode` whose output is `items` (a trigger's output, as after a webhook). */
export async function runFromTrigger(
	pkg: LoadedPackage,
	workflow: Workflow,
	startNode: string,
	items: INodeExecutionData[],
	options: RuntimeOptions,
	mode: WorkflowExecuteMode = 'webhook',
): Promise<RunResult> {
	const node = workflow.getNode(startNode);
	if (!node) throw new Error(`No node named ${startNode}`);
	const hooks = new ExecutionLifecycleHooks(mode, `exec-${Date.now()}`, {
		id: workflow.id,
	} as IWorkflowBase);
	let finish!: (run: IRun) => void;
	const finished = new Promise<IRun>((resolve) => (finish = resolve));
	hooks.addHandler('workflowExecuteAfter', (run) => finish(run));
	const additionalData = additionalDataFor(pkg, options, {
		hooks,
	} as Partial<IWorkflowExecuteAdditionalData>);
	const runExecutionData = {
		startData: {},
		resultData: { runData: {} },
		executionData: {
			contextData: {},
			metadata: {},
			waitingExecution: {},
			waitingExecutionSource: null,
			nodeExecutionStack: [{ node, data: { main: [items] }, source: null }],
		},
	} as unknown as IRunExecutionData;
	await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(
		workflow,
	);
	return describeRun(await finished);
}

export function describeRun(run: IRun): RunResult {
	const runData = run.data.resultData.runData;
	return {
		run,
		output: (nodeName, output = 0) =>
			(runData[nodeName]?.[0]?.data?.main?.[output] ?? []).map((item) => item.json),
		error: (nodeName) => runData[nodeName]?.[0]?.error as Error | undefined,
		failedNode: () =>
			Object.keys(runData).find((name) => runData[name]?.some((task) => task.error !== undefined)),
		ran: (nodeName) => runData[nodeName] !== undefined,
	};
}
