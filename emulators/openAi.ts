/**
 * An OpenAI-compatible model on loopback, scripted for a tool-using agent: asked with tools and
 * no tool result yet, it calls the balance tool; given the tool's result, it answers with the
 * balance it read from that result (never a number of its own). Speaks both the Responses API
 * (`/responses`, the OpenAI Chat Model node's default) and Chat Completions (`/chat/completions`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

import { LoopbackServer } from './loopback';

export interface ModelRequest {
	path: string;
	body: Record<string, unknown>;
}

/** A tool as offered in either API, reduced to what the script needs. */
interface OfferedTool {
	name: string;
}

type Turn = { kind: 'call'; tool: string } | { kind: 'answer'; text: string };

const id = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

export class OpenAiEmulator {
	readonly apiKey = `sk-emulator-${randomBytes(8).toString('hex')}`;
	readonly requests: ModelRequest[] = [];
	/** The tools the model called, in order. */
	readonly toolCalls: string[] = [];
	// Writes its own answers: serveReplies would make a throw (a hung request today) a new 500.
	private readonly loopback = new LoopbackServer((req, res) => void this.handle(req, res));

	async start(): Promise<string> {
		return `${await this.loopback.start()}/v1`;
	}

	async stop(): Promise<void> {
		await this.loopback.stop();
	}

	/** The credential's Base URL. */
	get baseUrl(): string {
		return `${this.loopback.originOf('OpenAiEmulator')}/v1`;
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const send = (status: number, body: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
		};
		const fail = (status: number, code: string, message: string) =>
			send(status, { error: { message, type: 'invalid_request_error', code } });
		if (req.headers.authorization !== `Bearer ${this.apiKey}`)
			return fail(401, 'invalid_api_key', 'Incorrect API key provided');
		const path = (req.url ?? '').replace(/^\/v1/, '').split('?')[0];
		if (req.method === 'GET' && path === '/models') {
			return send(200, {
				object: 'list',
				data: [{ id: 'gpt-5-mini', object: 'model', created: 0, owned_by: 'emulator' }],
			});
		}
		let body: Record<string, unknown>;
		try {
			const chunks: Buffer[] = [];
			for await (const chunk of req) chunks.push(chunk as Buffer);
			body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
		} catch {
			return fail(400, 'invalid_json', 'The body is not JSON');
		}
		this.requests.push({ path, body });
		if (body.stream === true)
			return fail(400, 'stream_not_emulated', 'The emulator answers without streaming only');
		if (req.method === 'POST' && path === '/responses') return send(200, this.responses(body));
		if (req.method === 'POST' && path === '/chat/completions')
			return send(200, this.chatCompletions(body));
		return fail(404, 'not_found', `No route ${req.method} ${path}`);
	}

	private responses(body: Record<string, unknown>) {
		const input = Array.isArray(body.input) ? (body.input as Array<Record<string, unknown>>) : [];
		const tools = ((body.tools ?? []) as Array<{ name?: string }>).map((t) => ({
			name: String(t.name ?? ''),
		}));
		const results = input
			.filter((item) => item.type === 'function_call_output')
			.map((item) => String(item.output ?? ''));
		const turn = this.script(tools, results);
		const output =
			turn.kind === 'call'
				? [
						{
							type: 'function_call',
							id: id('fc'),
							call_id: id('call'),
							name: turn.tool,
							arguments: '{}',
							status: 'completed',
						},
					]
				: [
						{
							type: 'message',
							id: id('msg'),
							role: 'assistant',
							status: 'completed',
							content: [{ type: 'output_text', text: turn.text, annotations: [] }],
						},
					];
		return {
			id: id('resp'),
			object: 'response',
			created_at: Math.floor(Date.now() / 1000),
			status: 'completed',
			model: body.model,
			output,
			usage: {
				input_tokens: 10,
				output_tokens: 5,
				total_tokens: 15,
				input_tokens_details: { cached_tokens: 0 },
				output_tokens_details: { reasoning_tokens: 0 },
			},
		};
	}

	private chatCompletions(body: Record<string, unknown>) {
		const messages = (body.messages ?? []) as Array<Record<string, unknown>>;
		const tools = ((body.tools ?? []) as Array<{ function?: { name?: string } }>).map((t) => ({
			name: String(t.function?.name ?? ''),
		}));
		const results = messages
			.filter((m) => m.role === 'tool')
			.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
		const turn = this.script(tools, results);
		const message =
			turn.kind === 'call'
				? {
						role: 'assistant',
						content: null,
						tool_calls: [
							{ id: id('call'), type: 'function', function: { name: turn.tool, arguments: '{}' } },
						],
					}
				: { role: 'assistant', content: turn.text };
		return {
			id: id('chatcmpl'),
			object: 'chat.completion',
			created: Math.floor(Date.now() / 1000),
			model: body.model,
			choices: [{ index: 0, message, finish_reason: turn.kind === 'call' ? 'tool_calls' : 'stop' }],
			usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
		};
	}

	/** The scripted agent: first the balance tool, then an answer built from what the tool returned. */
	private script(tools: OfferedTool[], results: string[]): Turn {
		if (results.length > 0) {
			const balance = balanceIn(results.at(-1)!);
			return {
				kind: 'answer',
				text:
					balance === undefined ? 'I could not read your balance.' : `You have ${balance} points.`,
			};
		}
		const tool = tools.find((t) => /balance/i.test(t.name)) ?? tools[0];
		if (!tool) return { kind: 'answer', text: 'I have no way to look up balances.' };
		this.toolCalls.push(tool.name);
		return { kind: 'call', tool: tool.name };
	}
}

/** The first numeric `balance` anywhere in a tool result (n8n sends the tool's items as JSON text). */
function balanceIn(result: string): number | undefined {
	const visit = (value: unknown): number | undefined => {
		if (Array.isArray(value)) return value.map(visit).find((v) => v !== undefined);
		if (!value || typeof value !== 'object') return undefined;
		const record = value as Record<string, unknown>;
		if (typeof record.balance === 'number') return record.balance;
		return Object.values(record)
			.map(visit)
			.find((v) => v !== undefined);
	};
	try {
		return visit(JSON.parse(result));
	} catch {
		return undefined;
	}
}
