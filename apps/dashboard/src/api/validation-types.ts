// What the validation API's dashboard routes answer (/api/v1/validation/…, /api/v1/tokens/:id/validations).
// Kept apart from types.ts so the validation screens can move onto packages/contract in one piece.

export interface ValidationUserToken {
  id: string;
  serialNumber: string;
  state: string;
  hasSeed: boolean;
  driftSteps: number;
  lastUsedAt: string | null;
  usable: boolean;
  unusableBecause: string | null;
}

export interface ValidationUser {
  userid: string;
  email: string;
  phone: string | null;
  hasSoftwareToken: boolean;
  softwareTokenIssuedAt: string | null;
  failedValidations: number;
  locked: boolean;
  lockedAt: string | null;
  lockedUntil: string | null;
  lastValidationAt: string | null;
  lastValidationOk: boolean | null;
  createdBy: string;
  createdAt: string;
  tokens: ValidationUserToken[];
}

export interface ValidationSettings {
  windowSteps: number;
  maxFailures: number;
  lockoutClearMinutes: number;
  rateLimitPerSecond: number;
  qrTtlSeconds: number;
}

export interface TokenValidation {
  id: number;
  at: string;
  keyName: string;
  valid: boolean;
  reason: string | null;
  userid: string | null;
  email: string | null;
  driftSteps: number | null;
  client: string | null;
}
