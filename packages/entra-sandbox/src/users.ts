// The sandbox's directory: fixed users covering every UPN in the sample seed files, generated users
// with stable ids and realistic names, one guest, plus any the caller adds. Ids are deterministic GUIDs
// derived from the UPN, so a test or a demo can name a user by id across restarts.
import { createHash } from 'node:crypto';
import type { SandboxUser } from './types';

export const SANDBOX_DOMAIN = 'contoso.example';

/** A stable GUID (RFC 4122 layout, version 5 bits) from a name. */
export function stableGuid(name: string): string {
  const bytes = createHash('sha256').update(`tokenfleet-sandbox:${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function member(localPart: string, givenName: string, surname: string, jobTitle: string): SandboxUser {
  const userPrincipalName = `${localPart}@${SANDBOX_DOMAIN}`;
  return {
    id: stableGuid(`user:${userPrincipalName.toLowerCase()}`),
    userPrincipalName,
    displayName: `${givenName} ${surname}`.trim(),
    mail: userPrincipalName,
    userType: 'Member',
    givenName,
    surname,
    jobTitle,
  };
}

/** Every UPN the sample seed files use (docs/samples), with the names demos show. */
const FIXED: Array<[string, string, string, string]> = [
  ['user1', 'Uma', 'Underwood', 'Field Technician'],
  ['user2', 'Victor', 'Vance', 'Field Technician'],
  ['user3', 'Wendy', 'Walsh', 'Warehouse Lead'],
  ['user4', 'Xavier', 'Xu', 'Warehouse Operator'],
  ['user5', 'Yara', 'Young', 'Shift Supervisor'],
  ['user6', 'Zane', 'Zimmerman', 'Shift Supervisor'],
  ['alice', 'Alice', 'Anderson', 'Identity Administrator'],
  ['bob', 'Bob', 'Brown', 'Network Engineer'],
  ['carol', 'Carol', 'Clark', 'Finance Manager'],
  ['dave', 'Dave', 'Davis', 'Accountant'],
  ['erin', 'Erin', 'Evans', 'Legal Counsel'],
  ['peggy', 'Peggy', 'Parker', 'Procurement Officer'],
  ['judy', 'Judy', 'Jones', 'Auditor'],
  ['mallory', 'Mallory', 'Miller', 'Security Analyst'],
  ['frank', 'Frank', 'Fischer', 'Plant Manager'],
  ['grace', 'Grace', 'Garcia', 'HR Partner'],
  ['heidi', 'Heidi', 'Hoffmann', 'Lab Technician'],
  ['ivan', 'Ivan', 'Ivanov', 'Developer'],
  ['niaj', 'Niaj', 'Nguyen', 'Data Engineer'],
  ['olivia', 'Olivia', "O'Brien", 'Customer Success Lead'],
];

const GIVEN_NAMES = [
  'Adele', 'Ben', 'Chloé', 'Diego', 'Elena', 'Farah', 'Gustav', 'Hana', 'Isaac', 'Jasmin', 'Kenji', 'Laura', 'Mateo',
  'Nora', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Stefan', 'Tamsin', 'Ugo', 'Valentina', 'Wei', 'Ximena', 'Yusuf', 'Zoë',
  'Aoife', 'Björn', 'Catalina', 'Dmitri', 'Eszter', 'Femi', 'Giulia', 'Hamid', 'Ingrid', 'Joaquín', 'Kasia', 'Lars', 'Maëlle', 'Nikhil',
];
const SURNAMES = [
  'Abbott', 'Bergström', 'Castillo', 'Dubois', 'Eriksen', 'Fontaine', 'Gallagher', 'Haddad', 'Iyer', 'Jansen', 'Kowalski', 'Lindqvist',
  'Moreau', 'Nakamura', "O'Connor", 'Petrov', 'Quispe', 'Rossi', 'Schmidt', 'Tanaka', 'Urquhart', 'Varga', 'Whitaker', 'Yilmaz', 'Zielińska',
  'Achterberg', 'Brennan', 'Costa', 'Delgado', 'Engel', 'Fitzgerald', 'García', 'Hughes', 'Ibrahim', 'Jovanović', 'Kim', 'Laurent',
];
const JOB_TITLES = ['Engineer', 'Analyst', 'Consultant', 'Nurse', 'Technician', 'Sales Representative', 'Designer', 'Project Manager', 'Operator', 'Pharmacist'];

/** ASCII mail-nickname form of a name: accents dropped, apostrophes and spaces removed. */
function nickname(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ł/g, 'l')
    .replace(/ø/g, 'o')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** `count` users, the same ones every time for the same count (index i always yields the same user). */
export function generatedUsers(count: number, taken: Set<string>): SandboxUser[] {
  const users: SandboxUser[] = [];
  for (let index = 0; index < count; index += 1) {
    const givenName = GIVEN_NAMES[index % GIVEN_NAMES.length]!;
    // A stride co-prime with the list length walks every surname before repeating a pair.
    const surname = SURNAMES[(index * 7 + Math.floor(index / GIVEN_NAMES.length)) % SURNAMES.length]!;
    let localPart = `${nickname(givenName)}.${nickname(surname)}`;
    for (let suffix = 2; taken.has(localPart); suffix += 1) localPart = `${nickname(givenName)}.${nickname(surname)}${suffix}`;
    taken.add(localPart);
    users.push(member(localPart, givenName, surname, JOB_TITLES[index % JOB_TITLES.length]!));
  }
  return users;
}

function guestUser(): SandboxUser {
  const userPrincipalName = `pat.morgan_fabrikam.example#EXT#@${SANDBOX_DOMAIN}`;
  return {
    id: stableGuid(`user:${userPrincipalName.toLowerCase()}`),
    userPrincipalName,
    displayName: 'Pat Morgan (Fabrikam)',
    mail: 'pat.morgan@fabrikam.example',
    userType: 'Guest',
    givenName: 'Pat',
    surname: 'Morgan',
    jobTitle: 'External Auditor',
  };
}

export function seedUsers(generatedCount: number, extra: SandboxUser[] = []): SandboxUser[] {
  const fixed = FIXED.map(([localPart, given, surname, title]) => member(localPart, given, surname, title));
  const taken = new Set(fixed.map((user) => user.userPrincipalName.split('@')[0]!));
  return [...fixed, ...generatedUsers(generatedCount, taken), guestUser(), ...extra];
}

/** Lookup by object id or UPN, both case-insensitive, as Graph resolves `/users/{id | userPrincipalName}`. */
export class Directory {
  private readonly byKey = new Map<string, SandboxUser>();

  constructor(readonly users: readonly SandboxUser[]) {
    for (const user of users) {
      this.byKey.set(user.id.toLowerCase(), user);
      this.byKey.set(user.userPrincipalName.toLowerCase(), user);
    }
  }

  find(idOrUpn: string): SandboxUser | undefined {
    return this.byKey.get(idOrUpn.toLowerCase());
  }

  findById(id: string): SandboxUser | undefined {
    const user = this.byKey.get(id.toLowerCase());
    return user && user.id.toLowerCase() === id.toLowerCase() ? user : undefined;
  }
}
