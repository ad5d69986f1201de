export { startSandbox } from './sandbox';
export { DEFAULT_BEHAVIOUR, DEFAULT_CLIENT_ID, DEFAULT_TENANT_ID, behaviourProblems } from './types';
export type {
  DeviceStatus,
  GraphHashFunction,
  RequestBudget,
  Sandbox,
  SandboxBehaviour,
  SandboxCall,
  SandboxCounters,
  SandboxDevice,
  SandboxLogger,
  SandboxOptions,
  SandboxUser,
} from './types';
export { stableGuid } from './users';
export { behaviourEnvName, behaviourFromEnv, loadOrCreateClientSecret, sandboxBanner, standaloneOptionsFromEnv, tokenfleetEnvironment } from './standalone';
export { createClientCertificate } from './certificates';
export { APP_ROLE_VALUES, DEMO_SIGN_IN_ROLES, HELPDESK_GROUP_ID } from './sign-in';
export { ID_TOKEN_FAULTS } from './types';
