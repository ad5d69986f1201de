// The QR image a `hashqr` link points at: served by Tokenfleet itself, for one user, for a short time.
// The link holds a random ticket, never the secret; Redis keeps only the ticket's hash with the user's id
// and a fingerprint of the stored ciphertext it shows, so a newer createuser makes older links show nothing.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import QRCode from 'qrcode';

const ticketKey = (prefix: string, ticket: string) => `${prefix}:validation-qr:${createHash('sha256').update(ticket).digest('hex')}`;

export interface QrTicket {
  userId: string;
  /** sha256 of the encrypted seed the link was made for (a new seed has a new random IV, so a new fingerprint). */
  seedFingerprint: string;
}

export const seedFingerprint = (ciphertext: Buffer): string => createHash('sha256').update(ciphertext).digest('hex').slice(0, 32);

export async function issueQrTicket(redis: Redis, prefix: string, ticket: QrTicket, ttlMs: number): Promise<string> {
  const value = randomBytes(24).toString('base64url');
  await redis.set(ticketKey(prefix, value), JSON.stringify(ticket), 'PX', ttlMs);
  return value;
}

export async function readQrTicket(redis: Redis, prefix: string, value: string): Promise<QrTicket | null> {
  if (!/^[\w-]{16,64}$/.test(value)) return null;
  const stored = await redis.get(ticketKey(prefix, value));
  if (!stored) return null;
  const parsed = JSON.parse(stored) as Partial<QrTicket>;
  return typeof parsed.userId === 'string' && typeof parsed.seedFingerprint === 'string' ? { userId: parsed.userId, seedFingerprint: parsed.seedFingerprint } : null;
}

export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 6 });
}
