import { useLocation } from 'preact-iso';
import { type Session, signOut } from '../api/client.ts';
import { t } from '../i18n/index.ts';
import { site } from '../live/store.ts';
import { PAGES } from '../routes.ts';
import { highContrast, toggleContrast } from './contrast.ts';
import { LanguageSelect } from './LanguageSelect.tsx';
import { SiteClock } from './SiteClock.tsx';

export function Header({ user }: { readonly user: Session }) {
  const { path } = useLocation();
  return (
    <header class="header">
      <div class="header-top">
        <strong class="site-name">{site.value?.site.name ?? t('app.name')}</strong>
        <SiteClock />
        <span class="user" data-testid="user">
          {t('header.user', { name: user.name, role: t(`role.${user.role}`) })}
        </span>
        <LanguageSelect />
        <button type="button" data-testid="high-contrast" aria-pressed={highContrast.value} onClick={toggleContrast}>
          {t('header.highContrast')}
        </button>
        <button type="button" onClick={() => void signOut()}>
          {t('header.signOut')}
        </button>
      </div>
      <nav aria-label={t('header.navigation')}>
        {PAGES.filter((page) => page.may?.(user.role) ?? true).map((page) => (
          <a key={page.path} href={page.path} aria-current={page.path === path ? 'page' : undefined}>
            {t(page.label)}
          </a>
        ))}
      </nav>
    </header>
  );
}
