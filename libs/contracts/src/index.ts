export * from './errors/error-code';
export * from './errors/cloudflow-error';
export * from './errors/app-key-errors';
export * from './subjects';
export * from './messages/auth/app-key.messages';
export * from './messages/auth/credential.messages';
export * from './messages/admin/user.messages';
