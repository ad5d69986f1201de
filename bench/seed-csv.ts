// A generated seed file for benchmarks: one Token2-style row per token, each for its own user, the
// manufacturer cycling through a few names so filters have something to tell apart.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { base32Encode } from '../packages/domain/src/base32';

export const BENCH_MANUFACTURERS = ['Token2', 'Feitian', 'Yubico', 'Thales'] as const;

export const benchSerial = (index: number) => `B${String(index).padStart(9, '0')}`;

export async function writeSeedCsv(file: string, rows: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    out.on('error', reject);
    out.write('upn,serial number,secret key,timeinterval,manufacturer,model\n');
    for (let index = 0; index < rows; index += 1) {
      const manufacturer = BENCH_MANUFACTURERS[index % BENCH_MANUFACTURERS.length];
      out.write(`user${index}@contoso.example,${benchSerial(index)},${base32Encode(randomBytes(20))},30,${manufacturer},C202\n`);
    }
    out.end(resolve);
  });
}
