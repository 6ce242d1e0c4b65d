/** The sites of the region shown, loaded on open and every 30 s (the list and the map read the same answer). */
import { useEffect, useState } from 'preact/hooks';
import { loadSites } from './api.ts';
import type { GatewayCompleteness, HubSite } from './api-types.ts';

const REFRESH_MS = 30_000;

export interface SitesState {
  readonly sites: readonly HubSite[] | null;
  readonly completeness: ReadonlyMap<string, GatewayCompleteness>;
  readonly loadedAt: number | null;
  readonly error: string | null;
}

export function useSites(region: string | undefined): SitesState {
  const [state, setState] = useState<SitesState>({ sites: null, completeness: new Map(), loadedAt: null, error: null });
  useEffect(() => {
    let live = true;
    const load = async () => {
      const now = Date.now();
      try {
        const answer = await loadSites(region, now);
        if (live) setState({ ...answer, loadedAt: now, error: null });
      } catch (error) {
        if (live) setState((previous) => ({ ...previous, error: error instanceof Error ? error.message : String(error) }));
      }
    };
    setState({ sites: null, completeness: new Map(), loadedAt: null, error: null });
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [region]);
  return state;
}
