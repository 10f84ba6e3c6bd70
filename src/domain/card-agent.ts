/**
 * Where the citizen's card agent (`mykey card agent`, a loopback service on the citizen's own machine) listens by
 * default, and so where the portal looks for it: the configuration, the portal's Content-Security-Policy and the
 * agent itself agree on this one address.
 */
export const defaultCardAgentPort = 24_727;
export const defaultCardAgentUrl = `http://127.0.0.1:${defaultCardAgentPort}`;

/** The portal the agent serves when not told otherwise: `npm start`'s own origin on its default port. */
export const defaultPortalOrigin = 'http://localhost:3000';
