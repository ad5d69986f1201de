// The TOTPRadius-compatible validation API's pure parts: the wire formats and the code check.
export * from './php-serialize';
export * from './xml';
export * from './check';
