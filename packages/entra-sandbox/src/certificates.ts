// TLS for the sandbox: a CA kept in the state directory (so a standalone sandbox stays trusted across
// restarts) and a fresh server certificate for localhost / 127.0.0.1 signed by it at every start.
// Node's crypto makes the RSA keys (fast, native); node-forge writes the X.509 structures, which Node
// cannot do. Clients trust the CA through NODE_EXTRA_CA_CERTS or an explicit `ca` option.
import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateRsaKeyPair = promisify(generateKeyPair);

export const CA_CERTIFICATE_FILE = 'sandbox-ca.pem';
const CA_KEY_FILE = 'sandbox-ca-key.pem';
const CA_COMMON_NAME = 'Tokenfleet Entra Sandbox CA (local testing only)';
const DAY_MS = 86_400_000;
/** A CA this close to expiry is replaced rather than reused. */
const CA_RENEW_BEFORE_MS = 30 * DAY_MS;

export interface TlsMaterial {
  caCertificatePem: string;
  caCertificatePath: string;
  serverCertificatePem: string;
  serverKeyPem: string;
}

interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

async function newRsaKeyPair(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** A positive serial number of 16 random bytes (the high bit cleared so DER keeps it positive). */
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function newCertificate(publicKeyPem: string, validFrom: Date, validTo: Date): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  certificate.serialNumber = randomSerialHex();
  certificate.validity.notBefore = validFrom;
  certificate.validity.notAfter = validTo;
  return certificate;
}

/** A self-signed certificate for `commonName`; `ca` makes it able to sign others. */
async function createSelfSigned(commonName: string, ca: boolean, validDays: number): Promise<{ certificatePem: string; keyPem: string }> {
  const keys = await newRsaKeyPair();
  const now = Date.now();
  // Back-dated a day so a client whose clock runs slightly behind still accepts it.
  const certificate = newCertificate(keys.publicKeyPem, new Date(now - DAY_MS), new Date(now + validDays * DAY_MS));
  const name = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'Tokenfleet sandbox' }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions(
    ca
      ? [
          { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
          { name: 'subjectKeyIdentifier' },
        ]
      : [
          { name: 'basicConstraints', cA: false, critical: true },
          { name: 'keyUsage', digitalSignature: true, critical: true },
          { name: 'extKeyUsage', clientAuth: true },
        ],
  );
  certificate.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(certificate), keyPem: keys.privateKeyPem };
}

function createCa(): Promise<{ certificatePem: string; keyPem: string }> {
  return createSelfSigned(CA_COMMON_NAME, true, 3650);
}

/**
 * An app-registration certificate for client-assertion tests and demos: register `certificatePem`
 * with `clientCertificatePem`, sign assertions with `privateKeyPem` (PKCS#8).
 */
export async function createClientCertificate(commonName = 'Tokenfleet sandbox client'): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const { certificatePem, keyPem } = await createSelfSigned(commonName, false, 365);
  return { certificatePem, privateKeyPem: keyPem };
}

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The stored CA if it is readable and not close to expiry; otherwise a new one, written to `stateDir`. */
async function loadOrCreateCa(stateDir: string): Promise<{ certificatePem: string; keyPem: string; path: string }> {
  await mkdir(stateDir, { recursive: true });
  const certificatePath = join(stateDir, CA_CERTIFICATE_FILE);
  const keyPath = join(stateDir, CA_KEY_FILE);
  const [storedCertificate, storedKey] = await Promise.all([readIfPresent(certificatePath), readIfPresent(keyPath)]);
  if (storedCertificate && storedKey) {
    try {
      const parsed = new X509Certificate(storedCertificate);
      if (Date.parse(parsed.validTo) - Date.now() > CA_RENEW_BEFORE_MS && parsed.ca) {
        return { certificatePem: storedCertificate, keyPem: storedKey, path: certificatePath };
      }
    } catch {
      // Unreadable: fall through and replace it.
    }
  }
  const ca = await createCa();
  await writeFile(keyPath, ca.keyPem, { mode: 0o600 });
  await writeFile(certificatePath, ca.certificatePem, { mode: 0o644 });
  return { ...ca, path: certificatePath };
}

async function createServerCertificate(ca: { certificatePem: string; keyPem: string }): Promise<{ certificatePem: string; keyPem: string }> {
  const keys = await newRsaKeyPair();
  const caCertificate = forge.pki.certificateFromPem(ca.certificatePem);
  const now = Date.now();
  const certificate = newCertificate(keys.publicKeyPem, new Date(now - DAY_MS), new Date(now + 365 * DAY_MS));
  certificate.setSubject([{ name: 'commonName', value: 'localhost' }]);
  certificate.setIssuer(caCertificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCertificate.generateSubjectKeyIdentifier().getBytes() },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(certificate), keyPem: keys.privateKeyPem };
}

/** Loads (or makes) the CA in `stateDir` and issues a server certificate for this start. */
export async function prepareTls(stateDir: string): Promise<TlsMaterial> {
  const ca = await loadOrCreateCa(stateDir);
  const server = await createServerCertificate(ca);
  return {
    caCertificatePem: ca.certificatePem,
    caCertificatePath: ca.path,
    serverCertificatePem: server.certificatePem,
    serverKeyPem: server.keyPem,
  };
}
