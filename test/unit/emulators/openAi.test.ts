/** The OpenAI emulator's script and API shapes, over real HTTP on loopback. */
import { OpenAiEmulator } from '../../../emulators/openAi';

const openAi = new OpenAiEmulator();

beforeAll(async () => {
	await openAi.start();
});
afterAll(async () => {
	await openAi.stop();
});

async function post(path: string, body: unknown, key = openAi.apiKey) {
	const response = await fetch(`${openAi.baseUrl}${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
		body: JSON.stringify(body),
	});
	return { status: response.status, json: (await response.json()) as Record<string, any> };
}

it('refuses a wrong API key with 401, as OpenAI does', async () => {
	const { status, json } = await post('/responses', { model: 'm', input: [] }, 'sk-wrong');
	expect(status).toBe(401);
	expect(json.error.code).toBe('invalid_api_key');
});

it("lists models for the editor's model picker", async () => {
	const response = await fetch(`${openAi.baseUrl}/models`, {
		headers: { authorization: `Bearer ${openAi.apiKey}` },
	});
	expect(
		((await response.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id),
	).toContain('gpt-5-mini');
});

it('Responses API: calls the balance tool first, then answers with the balance from its result', async () => {
	const tools = [
		{ type: 'function', name: 'Other_Tool' },
		{ type: 'function', name: 'Balance_Lookup' },
	];
	const first = await post('/responses', {
		model: 'm',
		tools,
		input: [{ role: 'user', content: 'points?' }],
	});
	const call = first.json.output[0];
	expect(call).toMatchObject({ type: 'function_call', name: 'Balance_Lookup', arguments: '{}' });
	const output = JSON.stringify([{ found: true, email: 'a@example.com', balance: 4321 }]);
	const second = await post('/responses', {
		model: 'm',
		tools,
		input: [
			{ role: 'user', content: 'points?' },
			call,
			{ type: 'function_call_output', call_id: call.call_id, output },
		],
	});
	expect(second.json.output[0].content[0]).toMatchObject({
		type: 'output_text',
		text: expect.stringContaining('4321'),
	});
});

it('Chat Completions: the same script with tool_calls and a tool message', async () => {
	const tools = [{ type: 'function', function: { name: 'Balance_Lookup', parameters: {} } }];
	const first = await post('/chat/completions', {
		model: 'm',
		tools,
		messages: [{ role: 'user', content: 'saldo?' }],
	});
	const message = first.json.choices[0].message;
	expect(first.json.choices[0].finish_reason).toBe('tool_calls');
	expect(message.tool_calls[0].function.name).toBe('Balance_Lookup');
	const second = await post('/chat/completions', {
		model: 'm',
		tools,
		messages: [
			{ role: 'user', content: 'saldo?' },
			message,
			{ role: 'tool', tool_call_id: message.tool_calls[0].id, content: '[{"balance":87}]' },
		],
	});
	expect(second.json.choices[0].message.content).toContain('87');
});
