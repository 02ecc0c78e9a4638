// The error-response decorator is shared with the admin documents (libs/platform/src/docs).
export { ApiErrors, errorExample as err, type ErrorExample } from '@cloudflow/platform';
