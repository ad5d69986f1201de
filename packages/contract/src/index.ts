// The API's contract: allowed values and limits, request and response schemas, the endpoint table, and
// the OpenAPI document generated from them. The dashboard imports types from here (`import type`) and
// values from `@tokenfleet/contract/values`, which has no zod in it.
export * from './values';
export * from './schemas';
export * from './endpoints';
export * from './openapi';
