export * from './base32';
export * from './totp';
export * from './jobs';
export * from './seeds';
export * from './seedfile';
