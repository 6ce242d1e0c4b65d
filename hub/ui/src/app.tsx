/** The shell: the sign-in screen until a user is signed in, then the header and the pages (list, map, one site). */
import { highContrast, toggleContrast } from '@hazmon/dashboard/ui/contrast';
import { LanguageSelect } from '@hazmon/dashboard/ui/language-select';
import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { session, signOut } from './api.ts';
import { type HubMessageKey, t } from './i18n.ts';
import { RegionMapPage } from './pages/RegionMap.tsx';
import { SignInPage } from './pages/SignIn.tsx';
import { SiteListPage } from './pages/SiteList.tsx';
import { SitePage } from './pages/SitePage.tsx';

const NAVIGATION: readonly { path: string; label: HubMessageKey }[] = [
  { path: '/', label: 'app.list' },
  { path: '/map', label: 'app.map' },
];

function Header() {
  const { path, query } = useLocation();
  // The region chosen stays when switching between the list and the map.
  const region = query['region'] === undefined ? '' : `?region=${encodeURIComponent(query['region'])}`;
  return (
    <header class="header">
      <div class="header-top">
        <strong class="site-name">{t('app.title')}</strong>
        <LanguageSelect />
        <button type="button" data-testid="high-contrast" aria-pressed={highContrast.value} onClick={toggleContrast}>
          {t('app.highContrast')}
        </button>
        <span class="muted" data-testid="signed-in-as">
          {session.value?.name}
        </span>
        <button type="button" onClick={() => void signOut()}>
          {t('app.signOut')}
        </button>
      </div>
      <nav aria-label={t('app.navigation')}>
        {NAVIGATION.map((entry) => (
          <a key={entry.path} href={`${entry.path}${region}`} aria-current={entry.path === path ? 'page' : undefined}>
            {t(entry.label)}
          </a>
        ))}
      </nav>
    </header>
  );
}

export function App() {
  if (session.value === undefined) return null;
  if (session.value === null) return <SignInPage />;
  return (
    <LocationProvider>
      <Header />
      <main>
        <ErrorBoundary>
          <Router>
            <Route path="/" component={SiteListPage} />
            <Route path="/map" component={RegionMapPage} />
            <Route path="/sites/:gateway" component={SitePage} />
            <Route default component={SiteListPage} />
          </Router>
        </ErrorBoundary>
      </main>
    </LocationProvider>
  );
}
