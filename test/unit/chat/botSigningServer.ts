/**
 * The Bot Framework's side of inbound authentication on loopback: OpenID metadata pointing at a
 * JWK set (keys with `endorsements`, as login.botframework.com publishes them) and tokens signed
 * the way the Bot Connector signs them. Keys can be rotated to test refreshes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';

import { closeServer } from '../../../emulators/closeServer';

export interface SigningKey {
	kid: string;
	privateKey: KeyLike;
	jwk: Record<string, unknown>;
}

export async function signingKey(kid: string, endorsements?: string[]): Promise<SigningKey> {
	const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
	const jwk = {
		...(await exportJWK(publicKey)),
		kid,
		use: 'sig',
		...(endorsements ? { endorsements } : {}),
	};
	return { kid, privateKey, jwk };
}

export class BotSigningServer {
	private server: Server | undefined;
	published: SigningKey[] = [];
	metadataRequests = 0;
	keyRequests = 0;

	get metadataUrl(): string {
		return `${this.base}/v1/.well-known/openidconfiguration`;
	}

	private get base(): string {
		const { port } = this.server!.address() as AddressInfo;
		return `http://127.0.0.1:${port}`;
	}

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			res.setHeader('content-type', 'application/json');
			if (req.url === '/v1/.well-known/openidconfiguration') {
				this.metadataRequests++;
				res.end(
					JSON.stringify({
						issuer: 'https://api.botframework.com',
						jwks_uri: `${this.base}/v1/.well-known/keys`,
					}),
				);
			} else if (req.url === '/v1/.well-known/keys') {
				this.keyRequests++;
				res.end(JSON.stringify({ keys: this.published.map((key) => key.jwk) }));
			} else {
				res.statusCode = 404;
				res.end('{}');
			}
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
	}

	async stop(): Promise<void> {
		if (this.server) await closeServer(this.server);
	}
}

export interface MintOptions {
	key: SigningKey;
	appId: string;
	serviceUrl: string;
	issuer?: string;
	/** Seconds since the epoch the token was issued; now by default. */
	issuedAt?: number;
	lifetimeSeconds?: number;
	extra?: JWTPayload;
}

/** A token as the Bot Connector sends one (an hour's lifetime, `serviceurl` claim). */
export async function mintBotToken(options: MintOptions): Promise<string> {
	const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
	return await new SignJWT({ serviceurl: options.serviceUrl, ...options.extra })
		.setProtectedHeader({ alg: 'RS256', kid: options.key.kid, typ: 'JWT' })
		.setIssuer(options.issuer ?? 'https://api.botframework.com')
		.setAudience(options.appId)
		.setIssuedAt(iat)
		.setNotBefore(iat)
		.setExpirationTime(iat + (options.lifetimeSeconds ?? 3600))
		.sign(options.key.privateKey);
}
