// Global setup of the tiers that need PostgreSQL and Redis (integration, end-to-end, browser): finds
// the servers once per run, however many of those projects run, and hands their URLs to the tests.
import type { TestProject } from 'vitest/node';
import { resolveServices, type Services } from './services';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

// On globalThis, so every project's copy of this module shares one set of servers (and containers).
const shared = globalThis as { tokenfleetServices?: { services: Promise<Services>; users: number } };

export default async function setup(project: TestProject) {
  shared.tokenfleetServices ??= { services: resolveServices(), users: 0 };
  const entry = shared.tokenfleetServices;
  entry.users += 1;
  const services = await entry.services;
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('redisUrl', services.redisUrl);
  return async () => {
    entry.users -= 1;
    if (entry.users === 0) {
      shared.tokenfleetServices = undefined;
      await services.stop();
    }
  };
}
