/**
 * The page table: one line per page. Each page is its own module under pages/<page>/ (its default export is the page
 * component), loaded when first opened so the first page stays small. Add a page by adding its folder and one line here
 * (and its `nav.*` label in both catalogs).
 */
import { lazy } from 'preact-iso';
import type { ComponentType } from 'preact';
import { CAN, type Role } from './api/client.ts';
import type { MessageKey } from './i18n/index.ts';
import { Overview } from './pages/overview/index.tsx';

export interface PageRoute {
  readonly path: string;
  readonly label: MessageKey;
  readonly page: ComponentType;
  /** Who sees the page in the navigation; every role when absent (the server refuses the others anyway). */
  readonly may?: (role: Role) => boolean;
}

export const PAGES: readonly PageRoute[] = [
  { path: '/', label: 'nav.overview', page: Overview },
  { path: '/plan', label: 'nav.plan', page: lazy(() => import('./pages/plan/index.tsx')) },
  { path: '/alarms', label: 'nav.alarms', page: lazy(() => import('./pages/alarms/index.tsx')) },
  { path: '/trends', label: 'nav.trends', page: lazy(() => import('./pages/trends/index.tsx')) },
  { path: '/valves', label: 'nav.valves', page: lazy(() => import('./pages/valves/index.tsx')) },
  { path: '/upkeep', label: 'nav.upkeep', page: lazy(() => import('./pages/upkeep/index.tsx')) },
  { path: '/health', label: 'nav.health', page: lazy(() => import('./pages/health/index.tsx')), may: CAN.supervise },
  { path: '/audit', label: 'nav.audit', page: lazy(() => import('./pages/audit/index.tsx')), may: CAN.supervise },
  { path: '/shift-report', label: 'nav.shiftReport', page: lazy(() => import('./pages/shift-report/index.tsx')) },
  { path: '/thresholds', label: 'nav.thresholds', page: lazy(() => import('./pages/thresholds/index.tsx')), may: CAN.changeThresholds },
  { path: '/admin', label: 'nav.admin', page: lazy(() => import('./pages/admin/index.tsx')), may: CAN.admin },
];
