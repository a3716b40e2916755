/** The perks employee behind a chat account: Manual Mappings first, then each of the account's emails. */
import type { ChatUser } from '../shared/chat/ChatPlatform';
import { normalizeEmail } from '../shared/mapping/recipients';
import type { PerksClient } from '../shared/perks/client';
import type { Employee } from '../shared/perks/contract';
import { PerksApiError } from '../shared/perks/errors';

/**
 * Manual Mappings run perks email → chat email or id; here they are read the other way round.
 * Without one, each of the asker's addresses is tried in turn (Teams: mail, sign-in name, aliases).
 */
export async function findAsker(
	perks: PerksClient,
	asker: ChatUser,
	mappings: Map<string, string>,
): Promise<Employee | undefined> {
	const addresses = [
		...new Set(
			[asker.email, ...(asker.emails ?? [])].filter((a): a is string => !!a).map(normalizeEmail),
		),
	];
	for (const [perksEmail, chatUser] of mappings) {
		if (chatUser === asker.id || addresses.includes(normalizeEmail(chatUser)))
			return await findEmployee(perks, perksEmail);
	}
	for (const address of addresses) {
		const employee = await findEmployee(perks, address);
		if (employee) return employee;
	}
	return undefined;
}

async function findEmployee(perks: PerksClient, email: string): Promise<Employee | undefined> {
	// Other failures go up to runPerItem, which gives them their code and fix.
	return await perks.lookupEmployee(email).catch((error: unknown) => {
		if (error instanceof PerksApiError && error.code === 'employee_not_found') return undefined;
		throw error;
	});
}
