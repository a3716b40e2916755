/**
 * "Find Asker": the question item plus the asker's perks email, for the rest of the workflow (an
 * AI Agent's Balance Lookup tool), so the workflow fixes whose balance is read, never a model.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ChatPerksSession } from '../../shared/node/chatNode';
import { askerMatch, itemQuestion } from '../helpers/question';

/** Its parameters are the node's (Manual Mappings): the same for both operations. */
export const description: INodeProperties[] = [];

/** The question item, plus the asker's perks email (null when unmapped), whether they are mapped, and why not. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ platform, perks }: ChatPerksSession,
): Promise<IDataObject> {
	const { item, question } = itemQuestion(this, itemIndex, platform);
	const match = await askerMatch(this, itemIndex, platform, perks, question.askerId);
	if (match.employee) return { ...item, askerEmail: match.employee.email, askerMapped: true };
	return { ...item, askerEmail: null, askerMapped: false, askerUnidentified: match.unidentified };
}
