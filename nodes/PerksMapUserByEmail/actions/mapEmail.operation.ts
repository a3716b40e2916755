import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import {
	employeeEmailProperty,
	manualMappingsProperty,
	readManualMappings,
} from '../../shared/mapping/properties';
import { resolveByEmail } from '../../shared/mapping/recipients';
import type { ChatSession } from '../../shared/node/chatNode';
import { requireString } from '../../shared/node/parameters';

const show = { operation: ['mapEmail'] };

export const description: INodeProperties[] = [
	{ ...employeeEmailProperty, displayOptions: { show } },
	{ ...manualMappingsProperty, displayOptions: { show } },
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ platform }: ChatSession,
): Promise<IDataObject> {
	const email = requireString(this, 'email', itemIndex, 'Email');
	const { user, matchedBy } = await resolveByEmail(
		platform,
		email,
		readManualMappings(this, itemIndex),
	);
	return {
		...this.getInputData()[itemIndex].json,
		email,
		platform: platform.name,
		chatUserId: user.id,
		chatUserName: user.name,
		chatUserRealName: user.realName ?? null,
		chatUserActive: user.active,
		matchedBy,
	};
}
