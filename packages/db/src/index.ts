// Placeholder until the database package lands: the test harness imports runMigrations from here.
export async function runMigrations(_databaseUrl: string): Promise<void> {
  throw new Error('runMigrations is not implemented yet');
}
