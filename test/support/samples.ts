// The sample seed files (docs/samples, the one copy the README, the unit, API and end-to-end tests
// all use), read by name.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SAMPLES = new URL('../../docs/samples/', import.meta.url);

/** The absolute path of a sample, for tests that hand a file to a process. */
export function samplePath(name: string): string {
  return fileURLToPath(new URL(name, SAMPLES));
}

export function sampleFile(name: string): Buffer {
  return readFileSync(new URL(name, SAMPLES));
}

/** Serial and Base32 secret of each row of token2-classic.csv (upn, serial, secret, …), to compute the codes its tokens show. */
export function classicSeeds(): Array<{ serial: string; secret: string }> {
  return sampleFile('token2-classic.csv')
    .toString('utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => ({ serial: line.split(',')[1]!, secret: line.split(',')[2]! }));
}
