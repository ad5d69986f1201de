export * from './vocabulary';
export * from './base32';
export * from './totp';
export * from './jobs';
export * from './lifecycle';
export * from './seeds';
export * from './seedfile';
export * from './validation';
