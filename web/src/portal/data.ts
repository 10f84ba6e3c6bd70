/**
 * What the signed-in pages read: the person's own view (Mykey ID, bindings, points), the campaigns, the provider
 * services and the persons they represent, in parallel. A session the platform has ended (idle, or ended
 * elsewhere) sends the person to the signed-out page.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, setCsrfToken } from '../shared/api.js';
import type { Campaign, CitizenMe, ProviderService, RepresentedPerson } from '../shared/types.js';
import { usePortal } from './session.js';

export interface PortalData {
  me: CitizenMe;
  campaigns: Campaign[];
  services: ProviderService[];
  represented: RepresentedPerson[];
}

export type Loaded<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'failed'; code: string };

export function usePortalData(): { data: Loaded<PortalData>; reload: () => void } {
  const { session, signOut } = usePortal();
  const { route } = useLocation();
  const [data, setData] = useState<Loaded<PortalData>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (session === null) {
      route('/login', true);
      return;
    }
    void (async () => {
      const [me, campaigns, services, represented] = await Promise.all([
        api<CitizenMe>('/v1/citizen/me'),
        api<{ data: Campaign[] }>('/v1/campaigns'),
        api<{ data: ProviderService[] }>('/v1/provider-services'),
        api<{ data: RepresentedPerson[] }>('/v1/citizen/represented'),
      ]);
      if (!me.ok) {
        if (me.failure.status === 401) return signOut('expired', { alreadyEnded: true });
        return setData({ status: 'failed', code: me.failure.code });
      }
      setCsrfToken(me.value.csrfToken);
      for (const answer of [campaigns, services, represented]) if (!answer.ok) return setData({ status: 'failed', code: answer.failure.code });
      if (!campaigns.ok || !services.ok || !represented.ok) return undefined;
      return setData({ status: 'ready', value: { me: me.value, campaigns: campaigns.value.data, services: services.value.data, represented: represented.value.data } });
    })();
  }, [session, generation, route, signOut]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, reload };
}
