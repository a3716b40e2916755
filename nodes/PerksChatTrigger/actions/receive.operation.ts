/**
 * One request to Perks Chat Trigger, as the chosen source defines it (chat/platforms.ts): a
 * signed request verified with its credential's secret and turned into a question or answered,
 * or a source's own webhook (a subscription's notifications).
 */
import type {
	IDataObject,
	IHookFunctions,
	INodeCredentialDescription,
	ITriggerFunctions,
	INodeProperties,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import {
	questionSource,
	questionSources,
	type RegisteredSource,
} from '../../shared/chat/platforms';
import type {
	ChatOutcome,
	QuestionSource,
	SignedReceiver,
	SignedRequest,
} from '../../shared/chat/QuestionSource';
import { RecentKeys } from '../../shared/idempotency/recentKeys';
import { rawBodyOf } from '../../shared/node/rawBody';

export type { ChatOutcome, ChatQuestion } from '../../shared/chat/QuestionSource';
export type { ChatSource } from '../../shared/chat/platforms';

/** Request ids seen lately, across every Perks Chat Trigger in this process (replays, retries). */
const seenRequests = new RecentKeys(100_000, 10 * 60 * 1000);

const SOURCES = () => questionSources().map(({ source }) => source);

/** The first source is the default (the registry's order). */
export const defaultSource = () => SOURCES()[0].value;

/** The "Source" option list. */
export const sourceOptions = () =>
	SOURCES().map(({ name, value, description }) => ({ name, value, description }));

const valuesWhere = (keep: (source: QuestionSource) => boolean) =>
	SOURCES()
		.filter(keep)
		.map((source) => source.value);

/** One credential entry per type, shown for the sources that use it. */
export function sourceCredentials(): INodeCredentialDescription[] {
	const types = [...new Set(SOURCES().map((source) => source.credential))];
	return types.map((name) => {
		const testedBy = SOURCES().find((s) => s.credential === name && s.credentialTest)
			?.credentialTest?.name;
		return {
			name,
			required: true,
			displayOptions: { show: { source: valuesWhere((s) => s.credential === name) } },
			...(testedBy ? { testedBy } : {}),
		};
	});
}

export function description(): INodeProperties[] {
	const notices = new Map<string, string>();
	for (const { notice } of SOURCES()) if (notice) notices.set(notice.name, notice.text);
	return [
		{
			displayName: 'Source',
			name: 'source',
			type: 'options',
			noDataExpression: true,
			options: sourceOptions(),
			default: defaultSource(),
		},
		...[...notices].map(
			([name, text]): INodeProperties => ({
				displayName: text,
				name,
				type: 'notice',
				default: '',
				displayOptions: { show: { source: valuesWhere((s) => s.notice?.name === name) } },
			}),
		),
	];
}

/** The node's source, from the registry. */
export function chosenSource(
	context: IHookFunctions | IWebhookFunctions | ITriggerFunctions,
): RegisteredSource {
	const value = context.getNodeParameter('source', defaultSource());
	const found = questionSource(value);
	if (!found) throw new Error(`Perks Chat Trigger has no source "${String(value)}"`);
	return found;
}

export interface ChatRequest extends Omit<SignedRequest, 'rawBody'> {
	source: string;
	rawBody: Buffer | undefined;
}

/** A signed request, free of n8n: the source's signature check first, then its parser. */
export function handleChatRequest(request: ChatRequest): ChatOutcome {
	const found = questionSource(request.source);
	if (!found || found.source.receive.kind !== 'signed')
		throw new Error(`"${request.source}" is not a signed question source`);
	return found.source.receive.handle({ ...request, rawBody: request.rawBody ?? Buffer.alloc(0) });
}

export async function execute(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const { source } = chosenSource(this);
	const receiver = source.receive;
	if (receiver.kind === 'webhook') return await receiver.webhook(this);
	const rawBody = await rawBodyOf(this);
	const outcome = await verifiedOutcome(this, source.credential, receiver, (secret) =>
		handleChatRequest({
			source: source.value,
			rawBody,
			headers: this.getHeaderData() as Record<string, string | string[] | undefined>,
			secret,
			scope: `${this.getMode()}:${this.getWorkflow().id ?? ''}:${this.getNode().id}`,
			seen: seenRequests,
		}),
	);
	const response = this.getResponseObject();
	if (outcome.action === 'respond') {
		if (outcome.status >= 500) logMisconfiguration(this, outcome.body);
		response.status(outcome.status).json(outcome.body);
		return { noWebhookResponse: true };
	}
	const workflowData = [[{ json: outcome.question }]];
	if (outcome.ack === undefined) return { workflowData };
	if (typeof outcome.ack === 'string') response.status(200).send(outcome.ack);
	else response.status(200).json(outcome.ack);
	return { noWebhookResponse: true, workflowData };
}

/**
 * Each credential read makes n8n start an expression isolate, which delays a 3 s
 * acknowledgement under load; so a secret read in the last minute is tried first. Only a
 * request it does not verify pays for a fresh read, so a changed secret counts at once; a
 * replaced one is still accepted for at most a minute.
 */
const recentSecrets = new Map<string, { secret: string; readAt: number }>();
const SECRET_REUSE_MS = 60_000;

async function verifiedOutcome(
	context: IWebhookFunctions,
	type: string,
	receiver: SignedReceiver,
	handle: (secret: string) => ChatOutcome,
): Promise<ChatOutcome> {
	const id = context.getNode().credentials?.[type]?.id;
	const key = id ? `${type}:${id}` : undefined;
	const recent = key ? recentSecrets.get(key) : undefined;
	if (recent && Date.now() - recent.readAt < SECRET_REUSE_MS) {
		// A signature failure has no side effect (nothing is claimed), so trying again is safe.
		const outcome = handle(recent.secret);
		if (!(outcome.action === 'respond' && outcome.secretRefused)) return outcome;
	}
	const secret = receiver.secretOf(await context.getCredentials(type));
	if (key) recentSecrets.set(key, { secret, readAt: Date.now() });
	return handle(secret);
}

/** When each trigger last logged that its credential cannot verify anything: once a minute is enough. */
const misconfigurationLogged = new Map<string, number>();

/** The code and fix only: never the secret. */
function logMisconfiguration(context: IWebhookFunctions, body: IDataObject | string): void {
	if (typeof body !== 'object') return;
	const key = `${context.getWorkflow().id ?? ''}:${context.getNode().id}`;
	const last = misconfigurationLogged.get(key) ?? 0;
	if (Date.now() - last < SECRET_REUSE_MS) return;
	misconfigurationLogged.set(key, Date.now());
	context.logger.error(`Perks Chat Trigger: ${String(body.message)}`, {
		code: body.error,
		fix: body.fix,
	});
}
