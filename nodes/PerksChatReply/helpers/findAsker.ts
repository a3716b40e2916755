/**
 * The perks employee behind a chat account, or why there is none. Only an admin's Manual Mapping
 * or an address the platform vouches for identifies an asker: never a guest's, a stranger's or
 * an unconfirmed email, never an address two accounts share, never a guess.
 */
import type { ChatPlatform, ChatUser } from '../../shared/chat/ChatPlatform';
import { type ChatErrorCode, ChatPlatformError } from '../../shared/chat/errors';
import { isEmail, normalizeEmail, ownedAddresses } from '../../shared/mapping/recipients';
import type { PerksClient } from '../../shared/perks/client';
import type { Employee } from '../../shared/perks/contract';
import { PerksApiError } from '../../shared/perks/errors';

/** Why an asker is not identified; `not_mapped` is a member in good standing the perks platform does not know. */
export type Unidentified =
	| 'unknown_account'
	| 'external'
	| 'guest'
	| 'email_unconfirmed'
	| 'ambiguous'
	| 'not_mapped';

export type AskerMatch =
	| { employee: Employee; unidentified?: undefined }
	| { employee?: undefined; unidentified: Unidentified };

const refused = (unidentified: Unidentified): AskerMatch => ({ unidentified });

/**
 * Manual Mappings run perks email → chat email or id; here they are read the other way round.
 * A perks email with a mapping is reached only through it, never by the email lookup.
 */
export async function findAsker(
	platform: ChatPlatform,
	perks: PerksClient,
	askerId: string,
	mappings: Map<string, string>,
	/** What the request itself said of the asker (Teams bot: another tenant, a guest): it only ever narrows. */
	said: { external?: boolean; guest?: boolean } = {},
): Promise<AskerMatch> {
	const looked = await getAsker(platform, askerId);
	const asker = looked && {
		...looked,
		external: looked.external || said.external === true,
		guest: looked.guest || said.guest === true,
	};
	if (!asker || asker.isBot || !asker.active) return refused('unknown_account');
	// A mapping by user id is an admin's decision about exactly this account: it holds for guests and strangers too.
	const byId = mappedTo(mappings, (chatUser) => chatUser === asker.id);
	if (byId.length > 1) return refused('ambiguous');
	if (byId.length === 1) return found(await findEmployee(perks, byId[0]));
	if (asker.external) return refused('external');
	if (asker.guest) return refused('guest');
	if (asker.emailConfirmed === false) return refused('email_unconfirmed');

	const candidates = await candidatesFor(perks, ownedAddresses(asker), mappings);
	const employees = new Map(
		candidates.filter((c) => c.employee).map((c) => [c.employee!.id, c] as const),
	);
	if (employees.size > 1) return refused('ambiguous');
	const [only] = employees.values();
	if (!only) return refused('not_mapped');
	return (await ownsAlone(platform, asker, only.address))
		? found(only.employee)
		: refused('ambiguous');
}

interface Candidate {
	employee: Employee | undefined;
	/** The asker's address it was reached by. */
	address: string;
}

/** The employees the asker's addresses lead to: through mappings by chat email if any, else by perks email. */
async function candidatesFor(
	perks: PerksClient,
	addresses: string[],
	mappings: Map<string, string>,
): Promise<Candidate[]> {
	const byEmail = mappedTo(
		mappings,
		(chatUser) => isEmail(chatUser) && addresses.includes(normalizeEmail(chatUser)),
	);
	const candidates: Candidate[] = [];
	for (const perksEmail of byEmail) {
		const address = normalizeEmail(mappings.get(perksEmail) as string);
		candidates.push({ employee: await findEmployee(perks, perksEmail), address });
	}
	if (byEmail.length) return candidates;
	for (const address of addresses) {
		const employee = await findEmployee(perks, address);
		if (employee && !mappings.has(normalizeEmail(employee.email)))
			candidates.push({ employee, address });
	}
	return candidates;
}

async function getAsker(platform: ChatPlatform, id: string): Promise<ChatUser | undefined> {
	// Not in the directory (e.g. a user of another tenant): an answer, not a failed run.
	return await platform.getUser(id).catch((error: unknown) => {
		if (isCode(error, 'recipient_not_found')) return undefined;
		throw error;
	});
}

const isCode = (error: unknown, code: ChatErrorCode) =>
	error instanceof ChatPlatformError && error.code === code;

/** The perks emails whose mapping points at the asker (one each, as the table holds one per perks email). */
function mappedTo(mappings: Map<string, string>, pointsAtAsker: (chatUser: string) => boolean) {
	return [...mappings].filter(([, chatUser]) => pointsAtAsker(chatUser)).map(([email]) => email);
}

/** Whether the directory gives this address to the asker and to nobody else. */
async function ownsAlone(
	platform: ChatPlatform,
	asker: ChatUser,
	address: string,
): Promise<boolean> {
	return await platform.findUserByEmail(address).then(
		(user) => user?.id === asker.id,
		(error: unknown) => {
			if (isCode(error, 'ambiguous_recipient')) return false;
			throw error;
		},
	);
}

function found(employee: Employee | undefined): AskerMatch {
	return employee ? { employee } : refused('not_mapped');
}

async function findEmployee(perks: PerksClient, email: string): Promise<Employee | undefined> {
	// Other failures go up to runPerItem, which gives them their code and fix.
	return await perks.lookupEmployee(email).catch((error: unknown) => {
		if (error instanceof PerksApiError && error.code === 'employee_not_found') return undefined;
		throw error;
	});
}
