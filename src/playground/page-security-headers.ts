import type { RequestHandler } from 'express';
import helmet from 'helmet';

const SELF = ["'self'"];

/**
 * helmet for the page's answers only: everything it loads or calls comes from
 * this origin. No HSTS: TLS is the proxy's policy, for the API's host as a whole.
 */
export function pageSecurityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: SELF,
        scriptSrc: SELF,
        styleSrc: SELF,
        connectSrc: SELF,
        imgSrc: SELF,
        baseUri: SELF,
        formAction: SELF,
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    strictTransportSecurity: false,
  });
}
