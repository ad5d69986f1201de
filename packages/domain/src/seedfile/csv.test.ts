import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32Encode } from '../base32';
import { SeedFileError, detectCsvDelimiter, parseCsvSeedFile } from './index';
import type { SeedFileChunk } from './index';
import { accepted, chunked, collect, refused } from '../../test/seedfile-support';

/** A distinct 20-byte secret per number, so every generated row is a valid SHA-1 token. */
const secretFor = (n: number): string => base32Encode(createHash('sha1').update(String(n)).digest());
const S1 = secretFor(1);
const S2 = secretFor(2);

const parse = (text: string, chunkSize = 5) => collect(parseCsvSeedFile(chunked(text, chunkSize)));

async function refusal(text: string): Promise<SeedFileError> {
  const caught = await parse(text).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(SeedFileError);
  return caught as SeedFileError;
}

describe('delimiters', () => {
  it.each([
    [',', 'comma'],
    [';', 'semicolon'],
    ['\t', 'tab'],
  ])('reads a %j (%s) separated file', async (delimiter) => {
    const text = [['upn', 'serial', 'secret', 'interval'], ['a@b.example', '1', S1, '60'], ['', '2', S2, '']]
      .map((cells) => cells.join(delimiter))
      .join('\n');
    const records = accepted(await parse(text));
    expect(records.map((record) => [record.serialNumber, record.upn, record.timeIntervalSeconds])).toEqual([
      ['1', 'a@b.example', 60],
      ['2', undefined, 30],
    ]);
  });

  it('judges the delimiter from the header line, ignoring delimiters inside quotes', () => {
    expect(detectCsvDelimiter('"a;b;c",x,y\n1;2;3;4;5')).toBe(',');
    expect(detectCsvDelimiter('"a,b,c";x;y')).toBe(';');
    expect(detectCsvDelimiter('serial\tsecret\r\n1,2,3')).toBe('\t');
    expect(detectCsvDelimiter('serial')).toBe(',');
  });

  it('keeps a delimiter inside a quoted field as data', async () => {
    const records = accepted(await parse(`serial;secret;manufacturer\n1;${S1};"Token2; Swiss"`));
    expect(records[0]?.manufacturer).toBe('Token2; Swiss');
  });
});

describe('text handling', () => {
  it('strips a UTF-8 BOM and reads CRLF lines, whatever the chunking', async () => {
    const text = `\uFEFFSerial Number,Secret Key\r\n1,${S1}\r\n2,${S2}\r\n`;
    for (const chunkSize of [1, 2, 3, 1000]) {
      const records = accepted(await parse(text, chunkSize));
      expect(records.map((record) => [record.rowNumber, record.serialNumber, record.secretBase32])).toEqual([
        [2, '1', S1],
        [3, '2', S2],
      ]);
    }
  });

  it('keeps a multi-byte character that a chunk boundary cuts', async () => {
    const records = accepted(await parse(`serial,secret,model\n1,${S1},Modèle Ü`, 1));
    expect(records[0]?.model).toBe('Modèle Ü');
  });

  it('reads doubled quotes and trims whitespace around fields', async () => {
    const records = accepted(await parse(`serial , secret , display name\n  1 ,  ${S1}  , "Desk ""A"" token"  `));
    expect(records[0]).toMatchObject({ serialNumber: '1', secretBase32: S1, displayName: 'Desk "A" token' });
  });

  it('counts a quoted multi-line field as the row it starts on', async () => {
    const text = `serial,secret,display name\n1,${S1},"first\nsecond\nthird"\n2,${S2},plain\n"3\n4",${secretFor(3)},x`;
    const rows = await parse(text);
    expect(accepted(rows).map((record) => [record.rowNumber, record.displayName])).toEqual([
      [2, 'first\nsecond\nthird'],
      [3, 'plain'],
    ]);
    expect(refused(rows)).toEqual([
      { rowNumber: 4, field: 'serialNumber', column: 'serial', reason: 'serial number contains a line break or another control character' },
    ]);
  });

  it('skips blank lines but counts them as spreadsheet rows', async () => {
    const rows = await parse(`serial,secret\n\n1,${S1}\n , \n\n2,${S2}\n\n`);
    expect(accepted(rows).map((record) => record.rowNumber)).toEqual([3, 6]);
  });

  it('ignores unknown columns', async () => {
    const records = accepted(await parse(`notes,serial,colour,secret\nhello,1,red,${S1}`));
    expect(records[0]).toMatchObject({ serialNumber: '1', secretBase32: S1 });
  });
});

describe('headers', () => {
  it('reads the names people use, in any case and spacing', async () => {
    const header = 'userPrincipalName;serial_number;Secret-Key;timeIntervalInSeconds;Hash Function;MANUFACTURER;model;Display Name';
    const records = accepted(await parse(`${header}\na@b.example;7;${S1};60;sha-256;Token2;C202;Desk`));
    expect(records[0]).toEqual({
      rowNumber: 2,
      serialNumber: '7',
      secretBase32: S1,
      hashFunction: 'hmacsha256',
      timeIntervalSeconds: 60,
      manufacturer: 'Token2',
      model: 'C202',
      displayName: 'Desk',
      upn: 'a@b.example',
    });
  });

  it.each([
    ['user,serial number,seed,timeinterval,algorithm,description', 'Token2 and vendor spellings'],
    ['UPN,SerialNumber,secret,time interval,hash,displayName', 'Microsoft spellings'],
    ['user,serial,secretKey,period,hashFunction,display_name', 'mixed'],
  ])('maps %j (%s)', async (header) => {
    const records = accepted(await parse(`${header}\nu@d.example,9,${S1},60,HMAC-SHA1,Named`));
    expect(records[0]).toMatchObject({
      upn: 'u@d.example',
      serialNumber: '9',
      secretBase32: S1,
      timeIntervalSeconds: 60,
      hashFunction: 'hmacsha1',
      displayName: 'Named',
    });
  });

  it('refuses the whole file when the serial or secret column is missing', async () => {
    const noSecret = await refusal(`upn,serial number\na@b.example,1`);
    expect(noSecret).toMatchObject({ code: 'missing-columns', rowNumber: 1 });
    expect(noSecret.reason).toMatch(/no secret key column/);
    const neither = await refusal(`upn,model\na@b.example,C202`);
    expect(neither.reason).toMatch(/no serial number and no secret key column/);
  });

  it('refuses a header that names one field twice', async () => {
    const error = await refusal(`serial,serial number,secret\n1,2,${S1}`);
    expect(error).toMatchObject({ code: 'ambiguous-columns', rowNumber: 1 });
    expect(error.reason).toBe("the header is ambiguous: both 'serial' and 'serial number' name the serial number");
  });

  it('refuses an empty file and one of blank lines only', async () => {
    expect((await refusal('')).code).toBe('empty-file');
    expect((await refusal('\r\n\r\n')).code).toBe('empty-file');
  });

  it('says so when the file is UTF-16', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`serial,secret\n1,${S1}`, 'utf16le')]);
    const caught = await collect(parseCsvSeedFile(chunked(utf16, 64))).catch((error: unknown) => error);
    expect(caught).toMatchObject({ code: 'unsupported-encoding' });
  });
});

describe('hex secrets', () => {
  const hex = createHash('sha1').update('hex').digest('hex');
  const asBase32 = base32Encode(Buffer.from(hex, 'hex'));

  it.each(['secret hex', 'hex secret', 'secretKeyHex'])('reads a %j column as hex', async (column) => {
    const records = accepted(await parse(`serial,${column}\n1,${hex}`));
    expect(records[0]?.secretBase32).toBe(asBase32);
  });

  it('reads hex where the encoding column says so, Base32 elsewhere', async () => {
    const rows = await parse(`serial,secret,encoding\n1,${hex},hex\n2,${S2},\n3,${S1},base32`);
    expect(accepted(rows).map((record) => record.secretBase32)).toEqual([asBase32, S2, S1]);
  });

  it('does not read hex in a plain secret column', async () => {
    const rows = await parse(`serial,secret\n1,${hex}`);
    expect(refused(rows)[0]).toMatchObject({ rowNumber: 2, field: 'secretKey' });
  });
});

describe('broken quoting', () => {
  it('refuses at the row where an unclosed quote starts, counting blank rows', async () => {
    const error = await refusal(`serial,secret\n1,${S1}\n\n2,"${S2}\n3,${secretFor(3)}`);
    expect(error).toMatchObject({ code: 'malformed-csv', rowNumber: 4 });
    expect(error.reason).toBe('a quoted field starts here and is never closed');
  });

  it('refuses a runaway row instead of buffering the rest of the file', async () => {
    const rest = Array.from({ length: 5000 }, (_, index) => `${index},${S1}`).join('\n');
    const error = await refusal(`serial,secret\n"1,${S1}\n${rest}`);
    expect(error).toMatchObject({ code: 'malformed-csv', rowNumber: 2 });
    expect(error.reason).toMatch(/longer than 65536 characters; is a closing quote missing/);
  });

  it('refuses text after a closing quote without quoting the cell', async () => {
    const error = await refusal(`serial,secret\n1,"${S1}"X`);
    expect(error).toMatchObject({ code: 'malformed-csv', rowNumber: 2 });
    expect(error.message).not.toContain(S1);
  });
});

describe('streaming', () => {
  const ROWS = 100_000;
  const ROWS_PER_BATCH = 500;
  const DUPLICATE_AT = 50_000;
  const BAD_INTERVAL_AT = 75_000;

  function lineFor(index: number): string {
    const serial = index === DUPLICATE_AT ? 'SN-0' : `SN-${index}`;
    const interval = index === BAD_INTERVAL_AT ? '45' : '30';
    return `u${index}@contoso.example;${serial};${secretFor(index)};${interval};Token2;Modèle\r\n`;
  }

  /** Generates the file lazily, in batches cut into 4 KiB chunks that split lines and characters. */
  async function* generatedCsv(progress: { chunksPulled: number; finished: boolean }): AsyncGenerator<SeedFileChunk> {
    try {
      yield 'upn;serial number;secret key;timeinterval;manufacturer;model\r\n';
      for (let start = 0; start < ROWS; start += ROWS_PER_BATCH) {
        let batch = '';
        for (let index = start; index < start + ROWS_PER_BATCH; index += 1) batch += lineFor(index);
        for await (const chunk of chunked(batch, 4096)) {
          progress.chunksPulled += 1;
          yield chunk;
        }
      }
    } finally {
      progress.finished = true;
    }
  }

  it('parses 100,000 rows chunk by chunk, rejecting the duplicate and the bad interval', async () => {
    const progress = { chunksPulled: 0, finished: false };
    let chunksPulledAtFirstRow: number | undefined;
    let acceptedCount = 0;
    let modelsIntact = 0;
    const errors: { rowNumber: number; field: string }[] = [];
    for await (const row of parseCsvSeedFile(generatedCsv(progress))) {
      chunksPulledAtFirstRow ??= progress.chunksPulled;
      if (row.ok) {
        acceptedCount += 1;
        if (row.record.model === 'Modèle') modelsIntact += 1;
      } else errors.push({ rowNumber: row.error.rowNumber, field: row.error.field });
    }
    expect(acceptedCount).toBe(ROWS - 2);
    expect(modelsIntact).toBe(ROWS - 2);
    // Data row `index` is spreadsheet row index + 2.
    expect(errors).toEqual([
      { rowNumber: DUPLICATE_AT + 2, field: 'serialNumber' },
      { rowNumber: BAD_INTERVAL_AT + 2, field: 'timeIntervalInSeconds' },
    ]);
    // Rows came out while the input was still being read, not after reading it all.
    expect(progress.chunksPulled).toBeGreaterThan(1000);
    expect(chunksPulledAtFirstRow).toBeLessThan(100);
  });

  it('stops reading the input when the consumer stops', async () => {
    const progress = { chunksPulled: 0, finished: false };
    let seen = 0;
    for await (const row of parseCsvSeedFile(generatedCsv(progress))) {
      expect(row.ok).toBe(true);
      seen += 1;
      if (seen === 10) break;
    }
    expect(progress.finished).toBe(true);
    expect(progress.chunksPulled).toBeLessThan(100);
  });
});

describe('expiry and manufacturing dates', () => {
  it.each([
    ['expiry', 'manufacture date'],
    ['Expires', 'Production Date'],
    ['expiration date', 'manufacturing_date'],
    ['Valid Until', 'mfg date'],
  ])('reads %j and %j', async (expiry, made) => {
    const records = accepted(await parse(`serial,secret,${expiry},${made}\n1,${S1},2030-01-31,2025-05-01`));
    expect(records[0]).toMatchObject({ expiresAt: '2030-01-31T23:59:59.999Z', manufacturedAt: '2025-05-01T00:00:00.000Z' });
  });

  it('names the header the file used when a row is refused', async () => {
    const rows = await parse(`Serial No,Seed,Period\n1,${S1},45`);
    expect(refused(rows)).toEqual([{ rowNumber: 2, field: 'timeIntervalInSeconds', column: 'Period', reason: 'interval must be 30 or 60 seconds, got 45', serialNumber: '1' }]);
  });
});
