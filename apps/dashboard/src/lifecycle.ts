// The token life cycle is the domain's own table, so the dashboard offers exactly the actions the API
// would allow for a token's state. Imported by path rather than through @tokenfleet/domain's index,
// which also pulls in the Node-only seed-file parsers; lifecycle.ts itself is pure and imports nothing.
export { canApply, TOKEN_STATES, type TokenEventType, type TokenState } from '../../../packages/domain/src/lifecycle';
