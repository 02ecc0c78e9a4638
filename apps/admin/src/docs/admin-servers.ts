/** The `servers` of every document the admin service serves (admin, operator, portal). */
export const ADMIN_SERVICE_SERVERS = [
  {
    url: '/',
    description:
      'The host that serves this document (the admin service; http://localhost:8081 under npm start)',
  },
];
