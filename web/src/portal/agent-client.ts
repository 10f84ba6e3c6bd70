/**
 * The portal's side of the card agent (`mykey card agent`, docs/identity.md "The card agent"): a loopback service
 * on the citizen's own machine that reads the card and signs with it once the person has typed the PIN into the
 * agent's own window — never into this page. The agent takes the origin to sign for from the browser (this page's
 * Origin header), so the page cannot make the card sign for another site. When the agent is not running, fetch
 * fails and the code is the portal's own `agent_unreachable`.
 */
export interface AgentStatus {
  agent: string;
  version: string;
  state: string;
  reader: { name: string } | null;
  card: { insertionId: string } | null;
}

export interface AgentFailure {
  code: string;
  message: string;
  triesLeft?: number;
}

export type AgentResult<T> = { ok: true; value: T } | { ok: false; failure: AgentFailure };

export interface SignRequest {
  purpose: 'login' | 'bind' | 'represent';
  nonce: string;
  binding?: { campaignId: string; providerServiceId: string; accountRef: string; onBehalfOf?: string };
  display?: { campaignName?: string; serviceName?: string };
}

async function callAgent<T>(agentUrl: string, path: string, init: RequestInit): Promise<AgentResult<T>> {
  let response: Response;
  try {
    response = await fetch(`${agentUrl}${path}`, { ...init, mode: 'cors', credentials: 'omit', cache: 'no-store' });
  } catch {
    return { ok: false, failure: { code: 'agent_unreachable', message: 'the card agent is not running' } };
  }
  const body = (await response.json().catch(() => ({}))) as T & Partial<AgentFailure>;
  if (!response.ok) return { ok: false, failure: { code: body.code ?? 'agent_unreachable', message: body.message ?? '', ...(body.triesLeft === undefined ? {} : { triesLeft: body.triesLeft }) } };
  return { ok: true, value: body };
}

export function agentStatus(agentUrl: string): Promise<AgentResult<AgentStatus>> {
  return callAgent(agentUrl, '/v1/status', { method: 'GET' });
}

/** Asks the agent to sign; it answers once the person has approved (or refused) in the agent's window. */
export function agentSign(agentUrl: string, request: SignRequest): Promise<AgentResult<{ authToken: unknown }>> {
  return callAgent(agentUrl, '/v1/sign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
}

/**
 * Opens (or brings forward) the agent's own window, where the person reads what is asked and types the PIN.
 * Called in the click handler itself, so that the browser allows the window. Returns false when it was blocked.
 */
export function openAgentWindow(agentUrl: string): boolean {
  const opened = window.open(`${agentUrl}/`, 'mykey-card-agent', 'popup,width=520,height=720');
  return opened !== null;
}
