/**
 * A real n8n on 127.0.0.1 for the e2e and reliability tiers, the sandbox and the benchmarks:
 * `N8nInstance` (instance.ts) and the pieces it is made of, one concern a file.
 */
export * from './database';
export * from './environment';
export * from './instance';
export * from './logs';
export * from './ports';
export * from './process';
export * from './registry';
export * from './rest';
export * from './userFolder';
export * from './wait';
