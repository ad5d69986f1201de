export * from './queues';
export * from './write-budget';
