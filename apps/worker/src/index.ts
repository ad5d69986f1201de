export { startWorker, graphClientFromConfig } from './start-worker';
export type { RunningWorker, WorkerOverrides } from './start-worker';
export { reconcileTenant } from './reconciler';
