/** The shell: the login page until someone signs in, then the header, the always-visible banners and the pages. */
import { useEffect } from 'preact/hooks';
import { ErrorBoundary, LocationProvider, Route, Router } from 'preact-iso';
import { session } from './api/client.ts';
import { LoginPage } from './pages/login/index.tsx';
import { AlarmBanner, ConnectionBanner, SoundBlockedBanner } from './shell/Banners.tsx';
import { Header } from './shell/Header.tsx';
import { startLive, stopLive } from './live/store.ts';
import { PAGES } from './routes.ts';

export function App() {
  const user = session.value;
  useEffect(() => {
    if (!user) return;
    startLive();
    return stopLive;
  }, [user?.name]);
  if (!user) return <LoginPage />;
  return (
    <LocationProvider>
      <Header user={user} />
      <div class="banners">
        <ConnectionBanner />
        <SoundBlockedBanner />
        <AlarmBanner />
      </div>
      <main>
        <ErrorBoundary>
          <Router>
            {PAGES.map((page) => (
              <Route key={page.path} path={page.path} component={page.page} />
            ))}
            <Route default component={PAGES[0]!.page} />
          </Router>
        </ErrorBoundary>
      </main>
    </LocationProvider>
  );
}
