/**
 * Publishes one workflow the way n8n does in regular mode, on loopback: activation runs the
 * trigger's webhook methods (checkExists → create) and, if it has one, its trigger() (closed on
 * deactivation, as n8n does for a node with both), each POST to the production URL runs the
 * trigger's `webhook()` with a real request (raw body kept, as n8n does) and, when it returns
 * workflow data, the whole workflow runs from the trigger. Deactivation runs `delete`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { HookContext, TriggerContext, WebhookContext } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeType,
	ITriggerResponse,
	IWebhookData,
	IWebhookDescription,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	Workflow,
} from 'n8n-workflow';

import { closeServer } from '../../emulators/closeServer';
import {
	additionalDataFor,
	instantiate,
	loadPackage,
	runFromTrigger,
	type LoadedPackage,
	type RunResult,
	type RuntimeOptions,
	type WorkflowJson,
} from './n8nRuntime';

export interface HostedWorkflow {
	/** The trigger's production webhook URL. */
	url: string;
	workflow: Workflow;
	/** Every execution the deliveries started, in start order. */
	executions: Array<Promise<RunResult>>;
	settled(): Promise<RunResult[]>;
	activate(): Promise<void>;
	deactivate(): Promise<void>;
	/** An n8n restart after `downMs`, as n8n 2.41 does it: trigger() closed and started again, webhooks left registered. */
	restart(downMs?: number): Promise<void>;
	/** What the editor's "Listen for test event" does: register, then remove, the test URL. */
	activateTest(): Promise<void>;
	deactivateTest(): Promise<void>;
	testUrl: string;
	stop(): Promise<void>;
}

export async function hostWorkflow(
	json: WorkflowJson,
	triggerName: string,
	options: RuntimeOptions,
): Promise<HostedWorkflow> {
	const pkg = await loadPackage();
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const webhookBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
	const runtime: RuntimeOptions = { ...options, webhookBaseUrl };
	const workflow = instantiate(pkg, json);
	const trigger = workflow.getNode(triggerName);
	if (!trigger?.webhookId)
		throw new Error(`${triggerName} needs a webhookId, as n8n gives every webhook node`);
	const path = `/webhook/${trigger.webhookId}/webhook`;
	// The editor's "Listen for test event" URL: the webhook and its run in n8n's manual mode.
	const testPath = `/webhook-test/${trigger.webhookId}/webhook`;
	const executions: Array<Promise<RunResult>> = [];

	// Requests still being handled: a handler may answer first and start its run later (Graph's 202).
	const inFlight = new Set<Promise<void>>();
	server.on('request', (req, res) => {
		const handled = (async () => {
			const requested = req.url?.split('?')[0];
			if (req.method !== 'POST' || (requested !== path && requested !== testPath)) {
				res.writeHead(404).end();
				return;
			}
			const mode = requested === testPath ? 'manual' : 'webhook';
			const rawBody = await readBody(req);
			const result = await runWebhook(pkg, workflow, trigger, runtime, req, rawBody, res, mode);
			// As n8n does: workflow data starts a run whether or not the node answered itself.
			const execution = result.workflowData
				? runFromTrigger(pkg, workflow, triggerName, result.workflowData[0], runtime, mode)
				: undefined;
			if (execution) executions.push(execution);
			if (result.noWebhookResponse || res.writableEnded) return;
			const webhook = webhookDescriptionOf(pkg, trigger);
			if (execution && webhook?.responseMode === 'lastNode') {
				// n8n's "lastNode" mode: answer when the run ended, 500 if it failed.
				const run = await execution;
				const failed =
					run.run.data.resultData.error !== undefined || run.failedNode() !== undefined;
				if (failed)
					res
						.writeHead(500, { 'content-type': 'application/json' })
						.end(JSON.stringify({ message: 'Error in workflow' }));
				else if (webhook.responseData === 'firstEntryJson') {
					// As n8n: the JSON of the first item the last node output.
					const last = run.run.data.resultData.lastNodeExecuted;
					const first = last ? run.output(last)[0] : undefined;
					res
						.writeHead(200, { 'content-type': 'application/json' })
						.end(JSON.stringify(first ?? {}));
				} else res.writeHead(200).end();
				return;
			}
			res
				.writeHead(200, { 'content-type': 'application/json' })
				.end(JSON.stringify({ message: 'Workflow was started' }));
		})().catch((error: Error) => {
			if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ message: error.message }));
		});
		inFlight.add(handled);
		void handled.finally(() => inFlight.delete(handled));
	});

	const hook = (method: 'checkExists' | 'create' | 'delete', test = false) => {
		const nodeType = pkg.nodeTypes.getByNameAndVersion(
			trigger.type,
			trigger.typeVersion,
		) as INodeType;
		const fn = nodeType.webhookMethods?.default?.[method];
		if (!fn) throw new Error(`${trigger.type} has no webhook method ${method}`);
		const data = { ...webhookData(workflow, trigger, webhookBaseUrl), isTest: test };
		const mode = test ? 'manual' : 'trigger';
		const context = new HookContext(
			workflow,
			trigger,
			additionalDataFor(pkg, runtime),
			mode,
			test ? 'manual' : 'activate',
			data,
		);
		return fn.call(context);
	};

	let running: ITriggerResponse | undefined;
	const startTrigger = async () => {
		const nodeType = pkg.nodeTypes.getByNameAndVersion(
			trigger.type,
			trigger.typeVersion,
		) as INodeType;
		if (!nodeType.trigger || running) return;
		const context = new TriggerContext(
			workflow,
			trigger,
			additionalDataFor(pkg, runtime),
			'trigger',
			'activate',
		);
		running = await nodeType.trigger.call(context);
	};
	const stopTrigger = async () => {
		await running?.closeFunction?.();
		running = undefined;
	};

	return {
		url: `${webhookBaseUrl}/${trigger.webhookId}/webhook`,
		testUrl: `${webhookBaseUrl}-test/${trigger.webhookId}/webhook`,
		workflow,
		executions,
		settled: async () => {
			while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
			return await Promise.all(executions);
		},
		activate: async () => {
			if (!(await hook('checkExists'))) await hook('create');
			await startTrigger();
		},
		deactivate: async () => {
			await stopTrigger();
			await hook('delete');
		},
		restart: async (downMs = 0) => {
			await stopTrigger();
			await new Promise((resolve) => setTimeout(resolve, downMs));
			await startTrigger();
		},
		activateTest: async () => {
			if (!(await hook('checkExists', true))) await hook('create', true);
		},
		deactivateTest: async () => {
			await hook('delete', true);
		},
		stop: async () => {
			await stopTrigger();
			await closeServer(server);
		},
	};
}

function webhookDescriptionOf(pkg: LoadedPackage, trigger: INode): IWebhookDescription | undefined {
	const nodeType = pkg.nodeTypes.getByNameAndVersion(
		trigger.type,
		trigger.typeVersion,
	) as INodeType;
	return nodeType.description.webhooks?.[0];
}

function webhookData(workflow: Workflow, node: INode, webhookBaseUrl: string): IWebhookData {
	return {
		httpMethod: 'POST',
		node: node.name,
		path: 'webhook',
		webhookDescription: { name: 'default', httpMethod: 'POST', path: 'webhook' },
		workflowId: workflow.id,
		workflowExecuteAdditionalData: { webhookBaseUrl } as IWorkflowExecuteAdditionalData,
		webhookId: node.webhookId,
	} as IWebhookData;
}

async function runWebhook(
	pkg: LoadedPackage,
	workflow: Workflow,
	trigger: INode,
	runtime: RuntimeOptions,
	req: IncomingMessage,
	rawBody: Buffer,
	res: ServerResponse,
	mode: 'webhook' | 'manual',
): Promise<IWebhookResponseData> {
	const request = Object.assign(req, {
		rawBody,
		body: parseJson(rawBody),
		// As express: the query string parsed (Graph's ?validationToken=).
		query: Object.fromEntries(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams),
		params: {},
	});
	const additionalData = additionalDataFor(pkg, runtime, {
		httpRequest: request as unknown as IWorkflowExecuteAdditionalData['httpRequest'],
		httpResponse: expressLike(res) as unknown as IWorkflowExecuteAdditionalData['httpResponse'],
	});
	const nodeType = pkg.nodeTypes.getByNameAndVersion(
		trigger.type,
		trigger.typeVersion,
	) as INodeType;
	const context = new WebhookContext(
		workflow,
		trigger,
		additionalData,
		mode,
		{ ...webhookData(workflow, trigger, runtime.webhookBaseUrl ?? ''), isTest: mode === 'manual' },
		[],
		null,
	);
	return await nodeType.webhook!.call(context);
}

/**
 * What express hands n8n: the Node.js response itself with express's helpers added, so a handler
 * that listens to it or wraps its methods sees every answer, the harness's own included.
 */
function expressLike(res: ServerResponse) {
	const api = Object.assign(res, {
		status(code: number) {
			res.statusCode = code;
			return api;
		},
		json(body: unknown) {
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify(body));
			return api;
		},
		send(body: string) {
			res.end(body);
			return api;
		},
	});
	return api;
}

function parseJson(raw: Buffer): IDataObject {
	try {
		return JSON.parse(raw.toString('utf8')) as IDataObject;
	} catch {
		return {};
	}
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}
